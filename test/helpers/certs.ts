import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** PEM files of one test PKI, all in `dir`. */
export interface TestCerts {
  dir: string;
  /** The CA that signs `server*` and `client*` (what syslog-ng trusts, and what the client gets as `chain`). */
  caCert: string;
  /** Server certificate for `localhost` and `127.0.0.1`, signed by the CA. */
  serverCert: string;
  serverKey: string;
  /** Client certificate signed by the CA: the receiver accepts it. */
  clientCert: string;
  clientKey: string;
  /** A second CA, unknown to both sides. */
  rogueCaCert: string;
  /** Client certificate signed by the rogue CA: the receiver must refuse it. */
  rogueClientCert: string;
  rogueClientKey: string;
  /** Server certificate signed by the rogue CA: outside the client's chain. */
  rogueServerCert: string;
  rogueServerKey: string;
  /** Removes the directory. */
  remove(): Promise<void>;
}

/**
 * Makes a throw-away PKI with the `openssl` command line: nothing secret is ever committed, and the files have
 * the shapes real deployments have (CA with basicConstraints, leaf certificates with SANs and extended key usage).
 * EC P-256 keys keep generation fast.
 */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(join(tmpdir(), "test-certs-"));
  const path = (name: string) => join(dir, name);
  try {
    await makeCa(dir, "ca", "Test Devo CA");
    await makeCa(dir, "rogue-ca", "Rogue CA");
    await makeLeaf(dir, "server", "ca", "localhost", "serverAuth", "DNS:localhost,IP:127.0.0.1");
    await makeLeaf(dir, "client", "ca", "test-domain", "clientAuth");
    await makeLeaf(dir, "rogue-client", "rogue-ca", "test-domain", "clientAuth");
    await makeLeaf(dir, "rogue-server", "rogue-ca", "localhost", "serverAuth", "DNS:localhost,IP:127.0.0.1");
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`cannot make test certificates with openssl: ${(error as Error).message}`, { cause: error });
  }
  return {
    dir,
    caCert: path("ca.crt"),
    serverCert: path("server.crt"),
    serverKey: path("server.key"),
    clientCert: path("client.crt"),
    clientKey: path("client.key"),
    rogueCaCert: path("rogue-ca.crt"),
    rogueClientCert: path("rogue-client.crt"),
    rogueClientKey: path("rogue-client.key"),
    rogueServerCert: path("rogue-server.crt"),
    rogueServerKey: path("rogue-server.key"),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

async function makeCa(dir: string, name: string, commonName: string) {
  await run(
    "openssl",
    [
      "req",
      "-x509",
      ...EC_KEY,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-days",
      "2",
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ],
    { cwd: dir },
  );
}

async function makeLeaf(dir: string, name: string, ca: string, commonName: string, usage: string, san?: string) {
  await run(
    "openssl",
    ["req", ...EC_KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${commonName}`],
    {
      cwd: dir,
    },
  );
  const extensions = [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyAgreement",
    `extendedKeyUsage=${usage}`,
    ...(san ? [`subjectAltName=${san}`] : []),
  ];
  await writeFile(join(dir, `${name}.ext`), `${extensions.join("\n")}\n`);
  await run(
    "openssl",
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      `${name}.crt`,
      "-extfile",
      `${name}.ext`,
    ],
    { cwd: dir },
  );
}
