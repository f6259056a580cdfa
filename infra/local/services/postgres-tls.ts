import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * TLS for the local PostgreSQL, so the functions connect with certificate verification on, as they do to Aurora
 * (docs/adr/0013). A certificate authority and a server certificate for `localhost` and 127.0.0.1 are generated with
 * the `openssl` CLI the first time a data directory is used and kept beside its data (never in the repository); a
 * persistent `.local/postgres` keeps its CA across restarts.
 */
export interface PostgresTls {
  /** The CA clients verify the server against (`sslrootcert`). */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

const SERVER_EXTENSIONS = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=serverAuth', 'subjectAltName=DNS:localhost,IP:127.0.0.1'];

/** Where the files of `dir` live (known before they exist: the server's flags name them). */
export function postgresTlsFiles(dir: string): PostgresTls {
  return { caFile: path.join(dir, 'ca.pem'), certFile: path.join(dir, 'server.pem'), keyFile: path.join(dir, 'server.key') };
}

/** Generates a CA and a server certificate in `dir` unless they exist; `label` names the CA. */
export function ensurePostgresTls(dir: string, label = 'abhi-ewa local PostgreSQL CA'): PostgresTls {
  const files = postgresTlsFiles(dir);
  if (fs.existsSync(files.caFile) && fs.existsSync(files.certFile) && fs.existsSync(files.keyFile)) return files;
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKey = path.join(dir, 'ca.key');
  const csr = path.join(dir, 'server.csr');
  const extensions = path.join(dir, 'server.ext');
  fs.writeFileSync(extensions, `${SERVER_EXTENSIONS.join('\n')}\n`);
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(['req', '-x509', ...ec, '-days', '3650', '-subj', `/CN=${label}`, '-keyout', caKey, '-out', files.caFile,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(['req', '-new', ...ec, '-subj', '/CN=localhost', '-keyout', files.keyFile, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', files.caFile, '-CAkey', caKey, '-set_serial', `0x${Date.now().toString(16)}`,
      '-days', '825', '-extfile', extensions, '-out', files.certFile]);
  } finally {
    fs.rmSync(csr, { force: true });
    fs.rmSync(extensions, { force: true });
  }
  // PostgreSQL refuses a key others can read; nobody needs the CA key after signing.
  fs.chmodSync(files.keyFile, 0o600);
  fs.rmSync(caKey, { force: true });
  return files;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`The local PostgreSQL needs a TLS certificate and \`openssl ${args[0]}\` failed${stderr ? `: ${stderr}` : ''}. Install OpenSSL (apt-get install openssl) and start again.`);
  }
}
