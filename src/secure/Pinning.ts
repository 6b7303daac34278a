/**
 * Certificate pinning: the SHA-256 fingerprint of the certificate a party presents is checked
 * against the ones we have on record for it, inside the TLS handshake (`checkServerIdentity`), so a
 * mismatch aborts the connection before a request byte is written or a response byte is read.
 *
 * @since 0.1.0
 */
import * as crypto from "node:crypto"
import type * as tls from "node:tls"
import { checkServerIdentity as defaultCheckServerIdentity } from "node:tls"
import * as Fault from "../Fault.ts"

/**
 * The fingerprints on record, by host (as connected to: a name or an IP). Several per host allow a
 * rotation; a host without an entry is not pinned.
 *
 * @example
 * ```ts
 * import { Pinning } from "effect-faults/secure"
 *
 * const pins: Pinning.Pins = { "vtn.example": ["AB:CD:…", "12:34:…"] }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Pins = Readonly<Record<string, string | ReadonlyArray<string>>>

/**
 * A fingerprint in Node's `fingerprint256` form: upper-case hex pairs separated by colons. Accepts
 * bare hex, lower case, or base64 of the 32 digest bytes.
 *
 * @example
 * ```ts
 * import { Pinning } from "effect-faults/secure"
 *
 * console.log(Pinning.normalize("ab:cd")) // "AB:CD"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const normalize = (fingerprint: string): string => {
  const trimmed = fingerprint.trim()
  const hex = /^[0-9A-Fa-f:]+$/.test(trimmed)
    ? trimmed.replace(/:/g, "")
    : Buffer.from(trimmed.replace(/^sha256\//i, ""), "base64").toString("hex")
  return hex.toUpperCase().replace(/(..)(?!$)/g, "$1:")
}

/**
 * The SHA-256 fingerprint of a certificate (PEM or DER).
 *
 * @example
 * ```ts
 * import { Pinning } from "effect-faults/secure"
 *
 * declare const pem: string
 * const pins: Pinning.Pins = { "vtn.example": [Pinning.fingerprint(pem)] }
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const fingerprint = (certificate: string | Uint8Array): string =>
  new crypto.X509Certificate(certificate).fingerprint256

const BrandId = Symbol.for("effect-faults/secure/PinMismatch")

/**
 * The error the handshake is aborted with when the fingerprint is not on record; Node hands it back
 * as the request's error, and {@link toFault} (or `Tls.classify`) turns it into `FingerprintMismatch`.
 * It carries no `code`, so no generic classifier mistakes it for another TLS failure.
 *
 * @example
 * ```ts
 * import { Pinning } from "effect-faults/secure"
 *
 * const e = new Pinning.PinMismatch("vtn.example", ["AB:CD"], "12:34")
 * console.log(Pinning.isPinMismatch(e)) // true
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export class PinMismatch extends Error {
  readonly [BrandId] = true
  readonly host: string
  readonly expected: ReadonlyArray<string>
  readonly presented: string
  constructor(host: string, expected: ReadonlyArray<string>, presented: string) {
    super(`certificate fingerprint of ${host} is not on record`)
    this.name = "PinMismatch"
    this.host = host
    this.expected = expected
    this.presented = presented
  }
}

/**
 * Whether a value is a {@link PinMismatch}.
 *
 * @example
 * ```ts
 * import { Pinning } from "effect-faults/secure"
 *
 * console.log(Pinning.isPinMismatch(new Error("x"))) // false
 * ```
 *
 * @category guards
 * @since 0.1.0
 */
export const isPinMismatch = (u: unknown): u is PinMismatch =>
  typeof u === "object" && u !== null && (u as Record<symbol, unknown>)[BrandId] === true

/**
 * The `FingerprintMismatch` fault of a {@link PinMismatch}.
 *
 * @example
 * ```ts
 * import { Pinning } from "effect-faults/secure"
 *
 * const f = Pinning.toFault(new Pinning.PinMismatch("vtn.example", ["AB:CD"], "12:34"))
 * console.log(f.expectedFingerprint, f.presentedFingerprint) // "AB:CD" "12:34"
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const toFault = (error: PinMismatch, cause: unknown = error): Fault.FingerprintMismatch =>
  new Fault.FingerprintMismatch({
    host: error.host,
    expectedFingerprint: error.expected.join(", "),
    presentedFingerprint: error.presented,
    presentedBy: "server",
    cause
  })

/**
 * A `checkServerIdentity` for `tls.connect` / `https.Agent` / undici's `connect` options: Node's own
 * host-name check first, then the pin of that host. Runs inside the handshake, after the chain has
 * been verified and before any application byte is exchanged.
 *
 * @example
 * ```ts
 * import * as https from "node:https"
 * import { Pinning } from "effect-faults/secure"
 *
 * const agent = new https.Agent({ checkServerIdentity: Pinning.checkServerIdentity({ "vtn.example": ["AB:CD:…"] }) })
 * ```
 *
 * @category tls
 * @since 0.1.0
 */
export const checkServerIdentity = (pins: Pins) => {
  const table = new Map<string, ReadonlyArray<string>>()
  for (const [host, fps] of Object.entries(pins)) {
    table.set(host.toLowerCase(), (typeof fps === "string" ? [fps] : fps).map(normalize))
  }
  return (host: string, cert: tls.PeerCertificate): Error | undefined => {
    const identity = defaultCheckServerIdentity(host, cert)
    if (identity !== undefined) return identity
    const expected = table.get(host.toLowerCase())
    if (expected === undefined) return undefined
    const presented = cert.fingerprint256 ?? ""
    return expected.includes(presented) ? undefined : new PinMismatch(host, expected, presented)
  }
}
