import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** A certificate and its key, as PEM files and text. */
export interface IssuedCert {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
}

/** A throwaway certificate authority for one test file, valid for a day, living in `dir`. */
export interface TestCa {
  caFile: string;
  caPem: string;
  /**
   * A certificate for `name` signed by this CA, usable by a server and a client (both extended key
   * usages), with `localhost` and `127.0.0.1` as subject alternative names. Keys are unencrypted
   * PKCS#8, which Kafka's PEM keystore, Redis, Node and Temporal's Rust core all read.
   */
  issue(name: string): Promise<IssuedCert>;
}

/** Creates a CA with `openssl` (RSA 2048; a few hundred ms per key on our machines). */
export async function createTestCa(dir: string, label = 'jml-test-ca'): Promise<TestCa> {
  const caKey = join(dir, `${label}.key`);
  const caFile = join(dir, `${label}.pem`);
  await exec('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${label}`,
    '-keyout', caKey, '-out', caFile,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const caPem = await readFile(caFile, 'utf8');
  let serial = 1;
  return {
    caFile,
    caPem,
    async issue(name) {
      const keyFile = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const certFile = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.ext`);
      await writeFile(ext, ['basicConstraints=CA:FALSE', 'subjectAltName=DNS:localhost,IP:127.0.0.1', 'extendedKeyUsage=serverAuth,clientAuth', ''].join('\n'));
      await exec('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csr]);
      serial += 1;
      await exec('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(serial), '-days', '1', '-extfile', ext, '-out', certFile]);
      return { certFile, keyFile, certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
    },
  };
}
