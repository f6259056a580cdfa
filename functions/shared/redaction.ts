/**
 * Personal data and secrets kept out of logs (UAE PDPL; docs/operations.md "Personal data in logs"). Two nets, both
 * applied by the shared logger to every value it writes:
 *  - by key: a value under a key that names personal data or a secret is replaced whole, whatever its shape;
 *  - by shape: inside any string (messages, Abhi's error texts, validation errors, stack traces) Emirates IDs,
 *    IBANs and long account numbers, phone numbers, e-mail addresses, and the value after a name or salary label
 *    are replaced.
 * A name in free text without a label cannot be recognised by shape: the Abhi client removes the values it sent
 * from Abhi's answers (`redactEchoedValues`) before they become error messages.
 */

export const REDACTED = '[redacted]';

/** Lower-case keys whose values are personal data or secrets. */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  // secrets
  'authorization',
  'password',
  'token',
  'accesstoken',
  'refreshtoken',
  'secret',
  'x-signature',
  'mfasecret',
  // personal data
  'accountnumber',
  'iban',
  'emiratesid',
  'firstname',
  'lastname',
  'middlename',
  'fullname',
  'employeename',
  'accounttitle',
  'givenname',
  'familyname',
  'phone',
  'phonenumber',
  'mobile',
  'email',
  'dob',
  'netsalary',
  'salary',
  'basicsalary',
  'grosssalary',
]);

const NAME_LABEL = String.raw`(?:first|last|middle|full|employee|given|family)?[ _]?name|account[ _]?title`;
const SALARY_LABEL = String.raw`(?:net|basic|gross|monthly)?[ _]?salary`;
/** `name: value`, `name=value`, `"firstName":"value"` — the label stays, the value goes. */
const NAME_VALUE = new RegExp(String.raw`(\b(?:${NAME_LABEL})\b(?:\\?["'])?\s*[:=]\s*)(\\?"(?:[^"\\]|\\.)*?\\?"|'[^']*'|[^,;\n}\])]+)`, 'gi');
/** `salary 8000`, `netSalary: AED 8,000.50`, `"netSalary":8000` — the label stays, the amount goes. */
const SALARY_VALUE = new RegExp(String.raw`(\b(?:${SALARY_LABEL})\b(?:\\?["'])?\s*[:=]?\s*(?:\\?")?(?:AED\s*)?)\d+(?:,\d{3})*(?:\.\d+)?`, 'gi');

const SHAPES: readonly RegExp[] = [
  // Emirates ID: 784-YYYY-NNNNNNN-N, with spaces or without separators (15 digits).
  /\b784[-\s]?\d{4}[-\s]?\d{7}[-\s]?\d\b/g,
  // IBANs (UAE: AE + 21 digits), also printed in groups of four.
  /\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?\b/g,
  // E-mail addresses.
  /[A-Z0-9._%+-]+@[A-Z0-9-]+(?:\.[A-Z0-9-]+)*\.[A-Z]{2,}/gi,
  // Phone numbers: international (+971…, 00971…) and UAE mobile (05X XXX XXXX).
  /(?:\+|\b00)\d{1,3}[\s-]?\d(?:[\s-]?\d){6,12}\b/g,
  /\b05\d[\s-]?\d{3}[\s-]?\d{4}\b/g,
  // Account numbers and other long digit runs (not inside identifiers such as UUIDs).
  /(?<![\w-])\d{9,}(?![\w-])/g,
];

/** Redacts personal data found by shape or label inside free text. */
export function redactText(text: string): string {
  let result = text.replace(NAME_VALUE, (_match, label: string) => `${label}${REDACTED}`).replace(SALARY_VALUE, (_match, label: string) => `${label}${REDACTED}`);
  for (const shape of SHAPES) result = result.replace(shape, REDACTED);
  return result;
}

/** Keys Powertools fills with AWS identifiers (an ARN's 12-digit account id would otherwise look like an account number). */
const AWS_IDENTIFIER_KEYS: ReadonlySet<string> = new Set(['function_arn', 'xray_trace_id', 'timestamp']);

/** The logger's JSON replacer: whole values under sensitive keys, personal data inside every string. */
export function redactForLog(key: string, value: unknown): unknown {
  if (key !== '' && SENSITIVE_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null) return REDACTED;
  if (typeof value !== 'string' || AWS_IDENTIFIER_KEYS.has(key)) return value;
  return redactText(value);
}

/**
 * Removes from `text` every personal value of `sent` (string leaves under sensitive keys, at any depth): Abhi's error
 * messages may repeat what they were sent ("Employee Fatima Al Mansoori already exists").
 */
export function redactEchoedValues(text: string, sent: unknown): string {
  const values = new Set<string>();
  const collect = (node: unknown, sensitive: boolean): void => {
    if (typeof node === 'string' || typeof node === 'number') {
      const value = String(node).trim();
      if (sensitive && value.length >= 3) values.add(value);
    } else if (Array.isArray(node)) {
      for (const item of node) collect(item, sensitive);
    } else if (node && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) collect(item, sensitive || SENSITIVE_KEYS.has(key.toLowerCase()));
    }
  };
  collect(sent, false);
  let result = text;
  // Longest first, so that "Fatima Ali" goes before "Fatima".
  for (const value of [...values].sort((a, b) => b.length - a.length)) result = result.split(value).join(REDACTED);
  return result;
}
