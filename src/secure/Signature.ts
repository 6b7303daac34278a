/**
 * Message signatures on `node:crypto`: keys on record per party, a signer, and a `Verifier` service
 * whose verification answers with a fault, never an exception: the signature is missing, it does not
 * verify, or the key it names is not the one we have on record for that party.
 *
 * Algorithms use the names of the HTTP Signature Algorithms registry (RFC 9421 §6.2):
 * `hmac-sha256` (a shared secret) and `ed25519`.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import * as crypto from "node:crypto"
import * as Fault from "../Fault.ts"

/**
 * A signature algorithm.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const alg: Signature.Algorithm = "ed25519"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type Algorithm = "hmac-sha256" | "ed25519"

/**
 * A key we sign with: a shared secret (HMAC) or an Ed25519 private key.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const key: Signature.SigningKey = Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more")
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface SigningKey {
  readonly id: string
  readonly algorithm: Algorithm
  readonly key: crypto.KeyObject
}

/**
 * A key on record: what we verify a party's signatures with (the shared secret, or the party's
 * Ed25519 public key), and the party it belongs to.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const { verifying } = Signature.ed25519Generate("vtn-1", { party: "vtn" })
 * const record: Signature.VerifyingKey = verifying
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface VerifyingKey {
  readonly id: string
  readonly algorithm: Algorithm
  readonly key: crypto.KeyObject
  /** Whose key it is; a signature claiming another party with this key is not on record. */
  readonly party?: string | undefined
}

/**
 * The faults a verification can end with.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const why = (f: Signature.VerificationFault) => f._tag // "SignatureMissing" | "SignatureInvalid" | "FingerprintMismatch"
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export type VerificationFault = Fault.SignatureMissing | Fault.SignatureInvalid | Fault.FingerprintMismatch

/**
 * What is to be verified. `signature: undefined` means none was presented.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const input: Signature.VerifyInput = { keyId: "vtn-1", data: "payload", signature: undefined, presentedBy: "server" }
 * ```
 *
 * @category models
 * @since 0.1.0
 */
export interface VerifyInput {
  readonly keyId: string | undefined
  /** The algorithm the signature claims, if it says; it must match the key on record. */
  readonly algorithm?: string | undefined
  readonly data: string | Uint8Array
  readonly signature: Uint8Array | undefined
  /** The party the message claims to come from; its key must be on record for it. */
  readonly party?: string | undefined
  /** Who presented the signature: the client (a request) or the server (a response). */
  readonly presentedBy?: Fault.Side | undefined
}

/**
 * A shared-secret HMAC-SHA256 key (both signing and verifying).
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const key = Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more", { party: "ven-1" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const hmacSha256 = (
  id: string,
  secret: string | Uint8Array,
  options?: { readonly party?: string | undefined }
): SigningKey & VerifyingKey => ({
  id,
  algorithm: "hmac-sha256",
  key: crypto.createSecretKey(typeof secret === "string" ? Buffer.from(secret, "utf8") : secret),
  party: options?.party
})

/**
 * An Ed25519 key pair from PEM (or `KeyObject`s): the private half signs, the public half goes on
 * record at the other party.
 *
 * @example
 * ```ts
 * import * as crypto from "node:crypto"
 * import { Signature } from "effect-faults/secure"
 *
 * const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519")
 * const signing = Signature.ed25519("vtn-1", privateKey)
 * const onRecord = Signature.ed25519Public("vtn-1", publicKey, { party: "vtn" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const ed25519 = (id: string, privateKey: crypto.KeyObject | string): SigningKey => ({
  id,
  algorithm: "ed25519",
  key: typeof privateKey === "string" ? crypto.createPrivateKey(privateKey) : privateKey
})

/**
 * The public half of an Ed25519 key, as kept on record.
 *
 * @example
 * ```ts
 * import * as crypto from "node:crypto"
 * import { Signature } from "effect-faults/secure"
 *
 * const { publicKey } = crypto.generateKeyPairSync("ed25519")
 * const onRecord = Signature.ed25519Public("vtn-1", publicKey, { party: "vtn" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const ed25519Public = (
  id: string,
  publicKey: crypto.KeyObject | string,
  options?: { readonly party?: string | undefined }
): VerifyingKey => ({
  id,
  algorithm: "ed25519",
  key: typeof publicKey === "string" ? crypto.createPublicKey(publicKey) : publicKey,
  party: options?.party
})

/**
 * A fresh Ed25519 key pair: the signing key and the record the other party keeps.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const { signing, verifying } = Signature.ed25519Generate("vtn-1", { party: "vtn" })
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const ed25519Generate = (
  id: string,
  options?: { readonly party?: string | undefined }
): { readonly signing: SigningKey; readonly verifying: VerifyingKey } => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519")
  return { signing: ed25519(id, privateKey), verifying: ed25519Public(id, publicKey, options) }
}

/**
 * The SHA-256 fingerprint of a key (of its SPKI DER for public keys, of the secret itself for HMAC
 * keys), colon-separated upper-case hex like Node's `fingerprint256`.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const { verifying } = Signature.ed25519Generate("vtn-1")
 * console.log(Signature.fingerprint(verifying.key)) // "3A:9F:…"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const fingerprint = (key: crypto.KeyObject): string => {
  const der = key.type === "secret" ? key.export() : key.type === "public"
    ? key.export({ type: "spki", format: "der" })
    : crypto.createPublicKey(key).export({ type: "spki", format: "der" })
  return colonHex(crypto.createHash("sha256").update(der).digest())
}

const colonHex = (bytes: Uint8Array): string =>
  Buffer.from(bytes).toString("hex").toUpperCase().replace(/(..)(?!$)/g, "$1:")

const toBytes = (data: string | Uint8Array): Buffer =>
  typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data.buffer, data.byteOffset, data.byteLength)

/**
 * Signs bytes with a signing key.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const key = Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more")
 * const sig: Uint8Array = Signature.sign(key, "payload")
 * ```
 *
 * @category signing
 * @since 0.1.0
 */
export const sign = (key: SigningKey, data: string | Uint8Array): Uint8Array =>
  key.algorithm === "hmac-sha256"
    ? new Uint8Array(crypto.createHmac("sha256", key.key).update(toBytes(data)).digest())
    : new Uint8Array(crypto.sign(null, toBytes(data), key.key))

/**
 * Verifies a signature against the keys on record. Never throws; the error channel says why not.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signature } from "effect-faults/secure"
 *
 * const key = Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more")
 * const check = Signature.Verifier.use((v) => v.verify({ keyId: "ven-1", data: "x", signature: Signature.sign(key, "x") }))
 * Effect.runPromise(check.pipe(Effect.provide(Signature.layer([key]))))
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class Verifier extends Context.Service<Verifier, {
  /** Answers with the key that verified the signature. */
  readonly verify: (input: VerifyInput) => Effect.Effect<VerifyingKey, VerificationFault>
  /** The keys on record (for diagnostics and `FingerprintMismatch.expectedFingerprint`). */
  readonly keys: ReadonlyArray<VerifyingKey>
}>()("effect-faults/secure/Signature/Verifier") {}

const timingSafeEqual = (a: Uint8Array, b: Uint8Array): boolean =>
  a.byteLength === b.byteLength && crypto.timingSafeEqual(a, b)

/**
 * Checks a signature synchronously; `undefined` when it verifies. The pure core of {@link make}.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const key = Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more")
 * const fault = Signature.check([key], { keyId: "ven-1", data: "x", signature: new Uint8Array(32) })
 * console.log(fault?._tag) // "SignatureInvalid"
 * ```
 *
 * @category verifying
 * @since 0.1.0
 */
export const check = (
  keys: ReadonlyArray<VerifyingKey>,
  input: VerifyInput
): VerificationFault | undefined => {
  const presentedBy = input.presentedBy
  if (input.signature === undefined || input.signature.byteLength === 0) {
    return new Fault.SignatureMissing({ missing: [], presentedBy })
  }
  const candidates = input.party === undefined
    ? keys
    : keys.filter((k) => k.party === undefined || k.party === input.party)
  const key = input.keyId === undefined
    ? (candidates.length === 1 ? candidates[0] : undefined)
    : candidates.find((k) => k.id === input.keyId)
  if (key === undefined) {
    return new Fault.FingerprintMismatch({
      host: input.party,
      // a client's bad key gets a public 401: it is not told which key ids we hold
      expectedFingerprint: candidates.length === 0
        ? "no key on record"
        : presentedBy === "client"
        ? "a key on record"
        : candidates.map((k) => k.id).join(", "),
      presentedFingerprint: input.keyId ?? "no key id",
      presentedBy,
      message: `key ${input.keyId === undefined ? "(unnamed)" : `'${input.keyId}'`} is not on record${
        input.party === undefined ? "" : ` for ${input.party}`
      }`
    })
  }
  if (input.algorithm !== undefined && input.algorithm !== key.algorithm) {
    return new Fault.SignatureInvalid({
      keyId: key.id,
      algorithm: input.algorithm,
      presentedBy,
      message: `signature by key '${key.id}' claims ${input.algorithm}, the key on record is ${key.algorithm}`
    })
  }
  let ok = false
  try {
    const data = toBytes(input.data)
    ok = key.algorithm === "hmac-sha256"
      ? timingSafeEqual(crypto.createHmac("sha256", key.key).update(data).digest(), input.signature)
      : crypto.verify(null, data, key.key, input.signature)
  } catch {
    ok = false // a malformed signature or key is an invalid signature, not a crash
  }
  return ok ? undefined : new Fault.SignatureInvalid({ keyId: key.id, algorithm: key.algorithm, presentedBy })
}

/**
 * A verifier over a fixed set of keys on record.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const verifier = Signature.make([Signature.hmacSha256("ven-1", "a shared secret of 32 bytes or more")])
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const make = (keys: Iterable<VerifyingKey>): Verifier["Service"] => {
  const all = Array.from(keys)
  return Verifier.of({
    keys: all,
    verify: (input) =>
      Effect.suspend(() => {
        const fault = check(all, input)
        if (fault !== undefined) return Effect.fail(fault)
        const candidates = input.party === undefined
          ? all
          : all.filter((k) => k.party === undefined || k.party === input.party)
        return Effect.succeed(
          input.keyId === undefined ? candidates[0]! : candidates.find((k) => k.id === input.keyId)!
        )
      })
  })
}

/**
 * Provides a {@link Verifier} over the given keys.
 *
 * @example
 * ```ts
 * import { Signature } from "effect-faults/secure"
 *
 * const { verifying } = Signature.ed25519Generate("vtn-1", { party: "vtn" })
 * const KeysOnRecord = Signature.layer([verifying])
 * ```
 *
 * @category layers
 * @since 0.1.0
 */
export const layer = (keys: Iterable<VerifyingKey>): Layer.Layer<Verifier> => Layer.succeed(Verifier, make(keys))
