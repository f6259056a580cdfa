/**
 * Seed data of the Abhi sandbox: generated (deterministic PRNG), no real personal data. UAE-shaped values: Emirates
 * IDs `784-YYYY-NNNNNNN-C` with a Luhn check digit, IBANs `AE…` with valid mod-97 check digits and real UAE bank
 * codes, E.164 mobiles `+97150…`, salaries in AED (netSalary as a string, as Abhi wants), email domains under `.example`.
 */
export interface SeedBank {
  id: string;
  name: string;
  code: string;
  country: string;
  isActive: boolean;
  swiftCode: string;
  bankType: string;
}
export interface SeedBusinessType {
  id: string;
  name: string;
  country: string;
  description: string;
  isActive: boolean;
}
export interface SeedOrganization {
  id: string;
  name: string;
  organizationNumber: number;
  industry: string;
  managementAlias: string;
  organizationType: 'root' | 'child';
  active: boolean;
  creditLimitFils: bigint;
  address: string;
  city: string;
  phone: string;
  email: string;
  payrollStartDay: number;
  businessTypeId: string;
  parentOrganizationId?: string;
  createdAt: number;
  updatedAt: number;
}
export interface SeedEmployee {
  id: string;
  employeeCode: string;
  firstName: string;
  lastName: string;
  department: string;
  designation: string;
  phone: string;
  email: string;
  dob: string;
  dateOfJoining: string;
  accountTitle: string;
  accountNumber: string;
  netSalaryFils: bigint;
  emiratesId: string;
  gender: 'Male' | 'Female';
  bankId: string;
  payrollStartDay: number;
  status: 'active' | 'inactive';
  organizationId: string;
  createdAt: number;
  updatedAt: number;
}

export interface SeedData {
  banks: SeedBank[];
  businessTypes: SeedBusinessType[];
  organizations: SeedOrganization[];
  employees: SeedEmployee[];
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUID v4 (version and variant bits set) drawn from `random`. */
export function uuidV4(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function emiratesId(birthYear: number, random: () => number): string {
  const serial = String(Math.floor(random() * 10_000_000)).padStart(7, '0');
  const body = `784${birthYear}${serial}`;
  return `784-${birthYear}-${serial}-${luhnCheckDigit(body)}`;
}

export function uaeIban(bankCode: string, random: () => number): string {
  const account = Array.from({ length: 16 }, () => Math.floor(random() * 10)).join('');
  const bban = `${bankCode}${account}`;
  // ISO 13616: move "AE00" to the end, letters → numbers (A=10, E=14), check = 98 − (n mod 97).
  const numeric = `${bban}101400`;
  let remainder = 0;
  for (const ch of numeric) remainder = (remainder * 10 + Number(ch)) % 97;
  const check = String(98 - remainder).padStart(2, '0');
  return `AE${check}${bban}`;
}

const BANKS: [name: string, code: string, swift: string, type: string, active: boolean][] = [
  ['Emirates NBD', '026', 'EBILAEAD', 'conventional', true],
  ['First Abu Dhabi Bank', '035', 'NBADAEAA', 'conventional', true],
  ['Abu Dhabi Commercial Bank', '030', 'ADCBAEAA', 'conventional', true],
  ['Dubai Islamic Bank', '024', 'DUIBAEAD', 'islamic', true],
  ['Mashreq Bank', '033', 'BOMLAEAD', 'conventional', true],
  ['RAKBANK', '040', 'NRAKAEAK', 'conventional', true],
  ['Commercial Bank of Dubai', '023', 'CBDUAEAD', 'conventional', true],
  ['Abu Dhabi Islamic Bank', '050', 'ABDIAEAD', 'islamic', true],
  ['Emirates Islamic', '034', 'MEBLAEAD', 'islamic', true],
  ['Sharjah Islamic Bank', '041', 'NBSHAEAS', 'islamic', true],
  ['Sandbox Legacy Exchange (inactive)', '099', 'SBXLAEAD', 'exchange_house', false],
];

const BUSINESS_TYPES: [name: string, description: string, active: boolean][] = [
  ['Construction', 'Building and civil works contractors', true],
  ['Facility Management', 'Cleaning, maintenance and security services', true],
  ['Hospitality', 'Hotels, restaurants and catering', true],
  ['Retail', 'Shops, supermarkets and malls', true],
  ['Logistics', 'Transport, warehousing and delivery', true],
  ['Healthcare', 'Clinics, hospitals and pharmacies', true],
  ['Technology', 'Software and IT services', true],
  ['Manufacturing', 'Factories and industrial production', true],
  ['Trading (legacy)', 'General trading, no longer onboarded', false],
];

const ORGANIZATIONS: [name: string, alias: string, industry: string, businessType: string, city: string, type: 'root' | 'child', active: boolean][] = [
  ['Sandbox Holdings LLC', 'sandbox_root', 'Holding', 'Technology', 'Dubai', 'root', true],
  ['Gulf Star Facilities Management LLC', 'gulf_star_fm', 'Facility Management', 'Facility Management', 'Dubai', 'child', true],
  ['Desert Rose Hospitality LLC', 'desert_rose_hospitality', 'Hospitality', 'Hospitality', 'Abu Dhabi', 'child', true],
  ['Marina Logistics FZE', 'marina_logistics', 'Logistics', 'Logistics', 'Sharjah', 'child', true],
  ['Al Noor Retail Trading LLC', 'al_noor_retail', 'Retail', 'Retail', 'Ajman', 'child', false],
];

const FIRST_MALE = ['Ahmed', 'Mohammed', 'Omar', 'Khalid', 'Rahul', 'Jose', 'Hassan', 'Imran', 'Youssef', 'Ravi', 'Tariq', 'Arjun'];
const FIRST_FEMALE = ['Fatima', 'Aisha', 'Priya', 'Maria', 'Sara', 'Noura', 'Anjali', 'Layla', 'Grace', 'Mariam', 'Hina', 'Joy'];
const LAST = ['Al Mansoori', 'Khan', 'Nair', 'Santos', 'Haddad', 'Rahman', 'Pillai', 'Reyes', 'Farouk', 'Qureshi', 'Menon', 'Cruz', 'Saleh', 'Iqbal', 'Dsouza'];
const ROLES: [department: string, designation: string, salaryMin: number, salaryMax: number][] = [
  ['Operations', 'Cleaner', 1_800, 2_800],
  ['Operations', 'Site Supervisor', 4_500, 7_000],
  ['Security', 'Security Guard', 2_200, 3_200],
  ['Hospitality', 'Waiter', 2_000, 3_000],
  ['Hospitality', 'Chef de Partie', 4_000, 6_500],
  ['Logistics', 'Delivery Driver', 2_800, 4_200],
  ['Logistics', 'Warehouse Associate', 2_300, 3_400],
  ['Finance', 'Accountant', 7_000, 12_000],
  ['Human Resources', 'HR Officer', 6_500, 10_000],
  ['Technology', 'Software Engineer', 12_000, 22_000],
];

export const SEED_EPOCH = Date.UTC(2024, 0, 15, 8, 0, 0);

export function buildSeed(seed = 20240115): SeedData {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

  const banks: SeedBank[] = BANKS.map(([name, code, swiftCode, bankType, isActive]) => ({
    id: uuidV4(random),
    name,
    code,
    country: 'UAE',
    isActive,
    swiftCode,
    bankType,
  }));
  const businessTypes: SeedBusinessType[] = BUSINESS_TYPES.map(([name, description, isActive]) => ({
    id: uuidV4(random),
    name,
    country: 'UAE',
    description,
    isActive,
  }));

  let rootId = '';
  const organizations: SeedOrganization[] = ORGANIZATIONS.map(([name, alias, industry, businessType, city, organizationType, active], i) => {
    const id = uuidV4(random);
    if (organizationType === 'root') rootId = id;
    const at = SEED_EPOCH + i * 86_400_000;
    return {
      id,
      name,
      organizationNumber: 1001 + i,
      industry,
      managementAlias: alias,
      organizationType,
      active,
      creditLimitFils: BigInt(between(5, 50)) * 100_000_00n,
      address: `Office ${between(101, 1900)}, ${pick(['Business Bay', 'Al Quoz Industrial Area 3', 'Jebel Ali Free Zone', 'Mussafah M-12', 'Al Nahda 2'])}`,
      city,
      phone: `+9714${between(2_000_000, 8_999_999)}`,
      email: `payroll@${alias.replace(/_/g, '-')}.example`,
      payrollStartDay: 1,
      businessTypeId: businessTypes.find((b) => b.name === businessType)!.id,
      parentOrganizationId: organizationType === 'child' ? rootId : undefined,
      createdAt: at,
      updatedAt: at,
    };
  });

  const activeBanks = banks.filter((b) => b.isActive);
  const employers = organizations.filter((o) => o.organizationType === 'child');
  const employees: SeedEmployee[] = [];
  for (let i = 0; i < 20; i++) {
    const gender: 'Male' | 'Female' = i % 2 === 0 ? 'Male' : 'Female';
    const firstName = gender === 'Male' ? FIRST_MALE[i / 2]! : FIRST_FEMALE[(i - 1) / 2]!;
    const lastName = pick(LAST);
    const [department, designation, min, max] = ROLES[i % ROLES.length]!;
    const org = employers[i % employers.length]!;
    const birthYear = between(1975, 2001);
    const bank = activeBanks[i % activeBanks.length]!;
    const salary = Math.round(between(min, max) / 50) * 50;
    const at = SEED_EPOCH + (10 + i) * 86_400_000;
    employees.push({
      id: uuidV4(random),
      employeeCode: `EMP-${String(1001 + i)}`,
      firstName,
      lastName,
      department,
      designation,
      phone: `+97150${String(between(0, 9_999_999)).padStart(7, '0')}`,
      email: `${firstName}.${lastName}.${1001 + i}`.toLowerCase().replace(/\s+/g, '') + `@${org.managementAlias.replace(/_/g, '-')}.example`,
      dob: `${birthYear}-${String(between(1, 12)).padStart(2, '0')}-${String(between(1, 28)).padStart(2, '0')}`,
      dateOfJoining: `${between(2016, 2023)}-${String(between(1, 12)).padStart(2, '0')}-${String(between(1, 28)).padStart(2, '0')}`,
      accountTitle: `${firstName} ${lastName}`,
      accountNumber: uaeIban(bank.code, random),
      netSalaryFils: BigInt(salary) * 100n,
      emiratesId: emiratesId(birthYear, random),
      gender,
      bankId: bank.id,
      payrollStartDay: 1,
      // Two employees are inactive (left the company): advances for them are refused.
      status: i === 18 || i === 19 ? 'inactive' : 'active',
      organizationId: org.id,
      createdAt: at,
      updatedAt: at,
    });
  }
  return { banks, businessTypes, organizations, employees };
}
