import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Fault } from "effect-faults"
import { Signature } from "effect-faults/secure"
import * as fc from "fast-check"

const hmac = Signature.hmacSha256("ven-1", "a shared secret of at least thirty-two bytes", { party: "ven-1" })
const ed = Signature.ed25519Generate("vtn-1", { party: "vtn" })
const stranger = Signature.ed25519Generate("vtn-1", { party: "vtn" }) // same id, another key
const Keys = Signature.layer([hmac, ed.verifying])

const verify = (input: Signature.VerifyInput) =>
  Signature.Verifier.use((v) => v.verify(input)).pipe(Effect.provide(Keys))

const cases = [
  ["HMAC-SHA256", hmac, hmac.id, "ven-1"],
  ["Ed25519", ed.signing, ed.verifying.id, "vtn"]
] as const

describe("Signature verifier", () => {
  for (const [name, key, keyId, party] of cases) {
    describe(name, () => {
      const data = "<oadrDistributeEvent><requestID>r-1</requestID></oadrDistributeEvent>"
      const good = Signature.sign(key, data)

      it.effect("a valid signature verifies and names its key", () =>
        Effect.gen(function*() {
          const verified = yield* verify({ keyId, data, signature: good, party })
          assert.strictEqual(verified.id, keyId)
          assert.strictEqual(verified.algorithm, key.algorithm)
        }))

      it.effect("no signature is SignatureMissing with nothing covered", () =>
        Effect.gen(function*() {
          const f = yield* Effect.flip(verify({ keyId, data, signature: undefined, presentedBy: "server" }))
          assert.strictEqual(f._tag, "SignatureMissing")
          assert.deepStrictEqual((f as Fault.SignatureMissing).missing, [])
          assert.strictEqual(f.side, "server")
          assert.strictEqual(f.status, 502)
        }))

      it.effect("a tampered message is SignatureInvalid", () =>
        Effect.gen(function*() {
          const f = yield* Effect.flip(verify({ keyId, data: data.replace("r-1", "r-2"), signature: good }))
          assert.strictEqual(f._tag, "SignatureInvalid")
          assert.strictEqual((f as Fault.SignatureInvalid).keyId, keyId)
          assert.strictEqual((f as Fault.SignatureInvalid).algorithm, key.algorithm)
        }))

      it.effect("a tampered signature is SignatureInvalid", () =>
        Effect.gen(function*() {
          const bad = Uint8Array.from(good)
          bad[0] = bad[0]! ^ 0xff
          const f = yield* Effect.flip(verify({ keyId, data, signature: bad }))
          assert.strictEqual(f._tag, "SignatureInvalid")
        }))

      it.effect("a truncated signature is SignatureInvalid, not a crash", () =>
        Effect.gen(function*() {
          const f = yield* Effect.flip(verify({ keyId, data, signature: good.slice(0, 7) }))
          assert.strictEqual(f._tag, "SignatureInvalid")
        }))

      it.effect("a key id not on record is FingerprintMismatch (expected vs presented)", () =>
        Effect.gen(function*() {
          const f = yield* Effect.flip(verify({ keyId: "mallory", data, signature: good, party }))
          assert.strictEqual(f._tag, "FingerprintMismatch")
          const m = f as Fault.FingerprintMismatch
          assert.strictEqual(m.presentedFingerprint, "mallory")
          assert.strictEqual(m.expectedFingerprint, keyId)
          assert.strictEqual(m.host, party)
        }))

      it.effect("a key on record for another party is FingerprintMismatch", () =>
        Effect.gen(function*() {
          const f = yield* Effect.flip(verify({ keyId, data, signature: good, party: "someone-else" }))
          assert.strictEqual(f._tag, "FingerprintMismatch")
          assert.strictEqual((f as Fault.FingerprintMismatch).expectedFingerprint, "no key on record")
        }))

      it.effect("a signature claiming another algorithm than the key on record is SignatureInvalid", () =>
        Effect.gen(function*() {
          const other = key.algorithm === "ed25519" ? "hmac-sha256" : "ed25519"
          const f = yield* Effect.flip(verify({ keyId, algorithm: other, data, signature: good }))
          assert.strictEqual(f._tag, "SignatureInvalid")
          assert.include(f.message, other)
        }))
    })
  }

  it.effect("Ed25519: the same key id signed by another key is SignatureInvalid", () =>
    Effect.gen(function*() {
      const f = yield* Effect.flip(
        verify({ keyId: "vtn-1", data: "x", signature: Signature.sign(stranger.signing, "x") })
      )
      assert.strictEqual(f._tag, "SignatureInvalid")
    }))

  it("fingerprints: public key and private key of a pair agree, differ across pairs", () => {
    assert.strictEqual(Signature.fingerprint(ed.verifying.key), Signature.fingerprint(ed.signing.key))
    assert.notStrictEqual(Signature.fingerprint(ed.verifying.key), Signature.fingerprint(stranger.verifying.key))
    assert.match(Signature.fingerprint(ed.verifying.key), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
  })

  it("never throws, whatever it is given (fuzz)", () => {
    const keys = [hmac, ed.verifying]
    // key ids and algorithms on record as often as garbage, so samples get past the key lookup to
    // the algorithm check and into the crypto call (and its catch), not only to "not on record"
    const keyId = fc.option(fc.oneof(fc.constantFrom(hmac.id, ed.verifying.id), fc.string({ maxLength: 12 })), {
      nil: undefined
    })
    const algorithm = fc.option(
      fc.oneof(fc.constantFrom("hmac-sha256", "ed25519"), fc.string({ maxLength: 12 })),
      { nil: undefined }
    )
    const reached = new Set<string>()
    fc.assert(
      fc.property(
        keyId,
        algorithm,
        fc.oneof(fc.string(), fc.uint8Array()),
        fc.option(fc.uint8Array({ maxLength: 80 }), { nil: undefined }),
        (keyId, algorithm, data, signature) => {
          const fault = Signature.check(keys, { keyId, algorithm, data, signature })
          // random bytes never verify; every outcome is one of the three faults
          assert.isTrue(fault !== undefined && Fault.isFault(fault))
          assert.include(["SignatureMissing", "SignatureInvalid", "FingerprintMismatch"], fault!._tag)
          reached.add(
            fault!._tag === "SignatureInvalid" && fault!.message.includes(" claims ") ? "algorithm" : fault!._tag
          )
        }
      ),
      { numRuns: 2000 }
    )
    // every branch was sampled: no signature, unknown key, another algorithm, and a failed verification
    assert.sameMembers([...reached], ["SignatureMissing", "FingerprintMismatch", "algorithm", "SignatureInvalid"])
  })
})
