/**
 * Certificates made at run time with the `openssl` CLI, in a fresh temp dir (never committed): a CA,
 * a good server leaf, an expired one (backdated with `openssl ca -startdate/-enddate`, since this
 * OpenSSL 3.0 `x509` has no `-not_before`), a self-signed one, one from an unknown CA, one for the
 * wrong host name, and client certificates from the trusted and from the unknown CA (mutual TLS).
 */
import { execFileSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface KeyPair {
  readonly key: string
  readonly cert: string
}

export interface TestCertificates {
  readonly dir: string
  /** The CA the client trusts. */
  readonly ca: string
  readonly server: KeyPair
  /** Valid from 2024-01-01 to 2024-02-01: expired. */
  readonly expired: KeyPair
  readonly expiredNotAfter: string
  readonly selfSigned: KeyPair
  /** Issued by a CA the client does not know. */
  readonly unknownCa: KeyPair
  /** Issued by the trusted CA for `other.example` only. */
  readonly wrongHost: KeyPair
  /** A client certificate the server accepts (trusted CA). */
  readonly client: KeyPair
  /** A client certificate the server refuses (unknown CA). */
  readonly rogueClient: KeyPair
  readonly cleanup: () => void
}

const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

export const make = (): TestCertificates => {
  const dir = mkdtempSync(join(tmpdir(), "effect-faults-certs-"))
  const p = (name: string) => join(dir, name)
  const run = (...args: Array<string>) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
  const read = (name: string) => readFileSync(p(name), "utf8")

  const makeCa = (name: string, cn: string) =>
    run("req", "-x509", ...ec, "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${cn}`)
  const csr = (name: string, cn: string) =>
    run("req", "-new", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`)
  const sign = (name: string, ca: string, ext: string) => {
    writeFileSync(p(`${name}.ext`), ext)
    run(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.pem`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
      "-days",
      "2",
      "-sha256",
      "-out",
      `${name}.pem`,
      "-extfile",
      `${name}.ext`
    )
  }
  const pair = (name: string): KeyPair => ({ key: read(`${name}.key`), cert: read(`${name}.pem`) })
  const serverExt =
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
  const clientExt = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"

  makeCa("ca", "effect-faults test CA")
  makeCa("rogue-ca", "unknown test CA")
  csr("server", "localhost")
  sign("server", "ca", serverExt)
  csr("unknown", "localhost")
  sign("unknown", "rogue-ca", serverExt)
  csr("wrong", "other.example")
  sign("wrong", "ca", "subjectAltName=DNS:other.example\nbasicConstraints=CA:FALSE\n")
  csr("client", "ven-1")
  sign("client", "ca", clientExt)
  csr("rogue-client", "ven-rogue")
  sign("rogue-client", "rogue-ca", clientExt)
  run(
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "self.key",
    "-out",
    "self.pem",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1"
  )

  // `openssl ca` is the one command of OpenSSL 3.0 that takes explicit validity dates
  mkdirSync(p("newcerts"))
  writeFileSync(p("index.txt"), "")
  writeFileSync(p("serial"), "1000\n")
  writeFileSync(
    p("ca.cnf"),
    [
      "[ ca ]",
      "default_ca = CA_default",
      "[ CA_default ]",
      `dir = ${dir}`,
      `database = ${p("index.txt")}`,
      `new_certs_dir = ${p("newcerts")}`,
      `serial = ${p("serial")}`,
      "default_md = sha256",
      "policy = policy_any",
      "unique_subject = no",
      "[ policy_any ]",
      "commonName = supplied",
      "[ leaf ]",
      "subjectAltName = DNS:localhost,IP:127.0.0.1",
      "basicConstraints = CA:FALSE",
      ""
    ].join("\n")
  )
  csr("expired", "localhost")
  run(
    "ca",
    "-batch",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.pem",
    "-keyfile",
    "ca.key",
    "-in",
    "expired.csr",
    "-out",
    "expired.pem",
    "-notext",
    "-startdate",
    "20240101000000Z",
    "-enddate",
    "20240201000000Z",
    "-extensions",
    "leaf"
  )

  return {
    dir,
    ca: read("ca.pem"),
    server: pair("server"),
    expired: pair("expired"),
    expiredNotAfter: "2024-02-01T00:00:00.000Z",
    selfSigned: pair("self"),
    unknownCa: pair("unknown"),
    wrongHost: pair("wrong"),
    client: pair("client"),
    rogueClient: pair("rogue-client"),
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  }
}
