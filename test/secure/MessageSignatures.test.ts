import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Fault } from "effect-faults"
import { MessageSignatures, Signature } from "effect-faults/secure"
import { TestClock } from "effect/testing"
import * as fc from "fast-check"
import { createSigner, createVerifier, httpbis } from "http-message-signatures"
import * as crypto from "node:crypto"

// RFC 9421 Appendix B.1.4 (test-key-ed25519) and B.1.5 (test-shared-secret)
const rfcEd = crypto.createPrivateKey({
  key: {
    kty: "OKP",
    crv: "Ed25519",
    x: "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs",
    d: "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
  },
  format: "jwk"
})
const rfcSecret = Buffer.from(
  "uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==",
  "base64"
)
// RFC 9421 Appendix B.2
const rfcRequest: MessageSignatures.Message = {
  method: "POST",
  url: "https://example.com/foo?param=Value&Pet=dog",
  headers: {
    host: "example.com",
    date: "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-digest":
      "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "content-length": "18"
  }
}
const rfcBody = "{\"hello\": \"world\"}"

const venKey = Signature.ed25519Generate("ven-1", { party: "ven-1" })
const vtnKey = Signature.hmacSha256("vtn-1", "a shared secret of at least thirty-two bytes", { party: "vtn" })
const Keys = Signature.layer([venKey.verifying, vtnKey])

const request: MessageSignatures.Message = {
  method: "POST",
  url: "https://vtn.example:8443/OpenADR2/Simple/2.0b/EiEvent?ven=ven-1",
  headers: {
    "content-type": "application/xml",
    "content-digest": MessageSignatures.contentDigest("<oadrRequestEvent/>")
  }
}
const requestComponents = ["@method", "@authority", "@path", "@query", "content-type", "content-digest"]

const signed = (message: MessageSignatures.Message, options: MessageSignatures.SignOptions) =>
  Effect.map(MessageSignatures.sign(message, options), (h) => ({ ...message, headers: { ...message.headers, ...h } }))

describe("RFC 9421 conformance", () => {
  it.effect("reproduces Appendix B.2.6 (ed25519) byte for byte, and verifies it", () =>
    Effect.gen(function*() {
      const h = yield* MessageSignatures.sign(rfcRequest, {
        key: Signature.ed25519("test-key-ed25519", rfcEd),
        label: "sig-b26",
        components: ["date", "@method", "@path", "@authority", "content-type", "content-length"],
        created: 1618884473,
        includeAlg: false
      })
      assert.strictEqual(
        h["signature-input"],
        "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
      )
      assert.strictEqual(
        h.signature,
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
      )
      const keys = Signature.layer([Signature.ed25519Public("test-key-ed25519", crypto.createPublicKey(rfcEd))])
      yield* TestClock.setTime(1618884473_000)
      const v = yield* MessageSignatures.verify({ ...rfcRequest, headers: { ...rfcRequest.headers, ...h } }).pipe(
        Effect.provide(keys)
      )
      assert.strictEqual(v.keyId, "test-key-ed25519")
    }))

  it.effect("reproduces Appendix B.2.5 (hmac-sha256)", () =>
    Effect.gen(function*() {
      const h = yield* MessageSignatures.sign(rfcRequest, {
        key: Signature.hmacSha256("test-shared-secret", rfcSecret),
        label: "sig-b25",
        components: ["date", "@authority", "content-type"],
        created: 1618884473,
        includeAlg: false
      })
      assert.strictEqual(h.signature, "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:")
    }))

  it("Content-Digest matches RFC 9530 Appendix B and checks the RFC 9421 body", () => {
    assert.strictEqual(
      MessageSignatures.contentDigest("{\"hello\": \"world\"}\n"),
      "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"
    )
    assert.isTrue(MessageSignatures.digestMatches(rfcRequest.headers["content-digest"] as string, rfcBody))
    assert.isFalse(MessageSignatures.digestMatches(rfcRequest.headers["content-digest"] as string, rfcBody + " "))
  })
})

describe("interoperability with the http-message-signatures package", () => {
  it.effect("it verifies what we sign (ed25519, with a response bound to its request)", () =>
    Effect.gen(function*() {
      const response: MessageSignatures.Message = {
        status: 200,
        headers: { "content-type": "application/xml", "content-digest": MessageSignatures.contentDigest("<ok/>") }
      }
      const h = yield* MessageSignatures.sign(response, {
        key: venKey.signing,
        components: ["@status", "content-type", "content-digest", "\"@method\";req", "\"@path\";req"],
        request
      })
      const pkgRequest = {
        method: request.method!,
        url: request.url!,
        headers: request.headers as Record<string, string>
      }
      const ok = yield* Effect.promise(() =>
        httpbis.verifyMessage(
          {
            keyLookup: async (params) =>
              params.keyid === "ven-1"
                ? { id: "ven-1", algs: ["ed25519"], verify: createVerifier(venKey.verifying.key, "ed25519") }
                : null
          },
          { status: 200, headers: { ...(response.headers as Record<string, string>), ...h } },
          pkgRequest
        )
      )
      assert.isTrue(ok)
    }))

  it.effect("we verify what it signs (hmac-sha256)", () =>
    Effect.gen(function*() {
      const pkgSigned = yield* Effect.promise(() =>
        httpbis.signMessage({
          key: { ...createSigner(vtnKey.key, "hmac-sha256", "vtn-1"), alg: "hmac-sha256" },
          fields: ["@method", "@authority", "@path", "@query", "content-type", "content-digest"],
          params: ["created", "keyid", "alg"]
        }, { method: request.method!, url: request.url!, headers: { ...(request.headers as Record<string, string>) } })
      )
      yield* TestClock.setTime(Date.now()) // the package stamps `created` with the wall clock
      const v = yield* MessageSignatures.verify(
        { method: request.method, url: request.url, headers: pkgSigned.headers },
        { required: ["@method", "content-digest"] }
      ).pipe(Effect.provide(Keys))
      assert.strictEqual(v.keyId, "vtn-1")
      assert.strictEqual(v.algorithm, "hmac-sha256")
    }))
})

describe("request and response signatures", () => {
  it.effect("a signed request verifies; its body is checked against the signed digest", () =>
    Effect.gen(function*() {
      const msg = yield* signed(request, { key: venKey.signing, components: requestComponents })
      const v = yield* MessageSignatures.verify(msg, {
        required: ["@method", "@path", "content-digest"],
        body: "<oadrRequestEvent/>",
        party: "ven-1"
      }).pipe(Effect.provide(Keys))
      assert.deepStrictEqual(v.components, requestComponents.map((c) => `"${c}"`))
      const f = yield* Effect.flip(
        MessageSignatures.verify(msg, { body: "<oadrRequestEvent tampered=\"1\"/>" }).pipe(Effect.provide(Keys))
      )
      assert.strictEqual(f._tag, "SignatureInvalid")
      assert.include(f.message, "Content-Digest")
      assert.strictEqual(f.side, "client")
      assert.strictEqual(f.status, 401)
    }))

  it.effect("a signed response verifies with ;req components bound to its request", () =>
    Effect.gen(function*() {
      const response = { status: 200, headers: { "content-type": "application/xml" } }
      const msg = yield* signed(response, {
        key: vtnKey,
        components: ["@status", "content-type", "\"@method\";req", "\"@target-uri\";req"],
        request
      })
      const v = yield* MessageSignatures.verify(msg, { request, required: ["@status", "\"@method\";req"] }).pipe(
        Effect.provide(Keys)
      )
      assert.strictEqual(v.keyId, "vtn-1")
      // bound to another request, it does not verify
      const other = { ...request, url: request.url!.replace("EiEvent", "EiReport") }
      const f = yield* Effect.flip(MessageSignatures.verify(msg, { request: other }).pipe(Effect.provide(Keys)))
      assert.strictEqual(f._tag, "SignatureInvalid")
      assert.strictEqual(f.side, "server")
    }))

  it.effect("no signature at all is SignatureMissing with nothing listed", () =>
    Effect.gen(function*() {
      const f = yield* Effect.flip(MessageSignatures.verify(request).pipe(Effect.provide(Keys)))
      assert.strictEqual(f._tag, "SignatureMissing")
      assert.deepStrictEqual((f as Fault.SignatureMissing).missing, [])
    }))

  it.effect("a Signature without its Signature-Input is SignatureMissing (incomplete)", () =>
    Effect.gen(function*() {
      const msg = yield* signed(request, { key: venKey.signing, components: requestComponents })
      const { "signature-input": _, ...headers } = msg.headers
      const f = yield* Effect.flip(MessageSignatures.verify({ ...msg, headers }).pipe(Effect.provide(Keys)))
      assert.strictEqual(f._tag, "SignatureMissing")
      assert.deepStrictEqual((f as Fault.SignatureMissing).missing, ["signature-input"])
    }))

  it.effect("incomplete coverage is SignatureMissing listing what is not covered", () =>
    Effect.gen(function*() {
      const msg = yield* signed(request, { key: venKey.signing, components: ["@method", "@path"] })
      const f = yield* Effect.flip(
        MessageSignatures.verify(msg, { required: ["@method", "content-digest", "@authority"] }).pipe(
          Effect.provide(Keys)
        )
      )
      assert.strictEqual(f._tag, "SignatureMissing")
      assert.deepStrictEqual((f as Fault.SignatureMissing).missing, ["content-digest", "@authority"])
      assert.include(f.message, "content-digest")
    }))

  it.effect("a tampered covered header is SignatureInvalid (ed25519 and hmac)", () =>
    Effect.gen(function*() {
      for (const key of [venKey.signing, vtnKey]) {
        const msg = yield* signed(request, { key, components: requestComponents })
        const tampered = { ...msg, headers: { ...msg.headers, "content-type": "text/plain" } }
        const f = yield* Effect.flip(MessageSignatures.verify(tampered).pipe(Effect.provide(Keys)))
        assert.strictEqual(f._tag, "SignatureInvalid")
        assert.strictEqual((f as Fault.SignatureInvalid).keyId, key.id)
      }
    }))

  it.effect("a tampered signature value is SignatureInvalid", () =>
    Effect.gen(function*() {
      const msg = yield* signed(request, { key: venKey.signing, components: requestComponents })
      const sig = msg.headers.signature as string
      const flipped = sig.replace(/:(.)/, (_, c: string) => `:${c === "A" ? "B" : "A"}`)
      const f = yield* Effect.flip(
        MessageSignatures.verify({ ...msg, headers: { ...msg.headers, signature: flipped } }).pipe(Effect.provide(Keys))
      )
      assert.strictEqual(f._tag, "SignatureInvalid")
    }))

  it.effect("of several signatures the first (or the labelled one) decides: a valid second one rescues nothing", () =>
    Effect.gen(function*() {
      const a = yield* MessageSignatures.sign(request, { key: vtnKey, components: requestComponents, label: "a" })
      const b = yield* MessageSignatures.sign(request, {
        key: venKey.signing,
        components: requestComponents,
        label: "b"
      })
      const badA = (a.signature as string).replace(/:(.)/, (_, c: string) => `:${c === "A" ? "B" : "A"}`)
      const msg = {
        ...request,
        headers: {
          ...request.headers,
          "signature-input": `${a["signature-input"]}, ${b["signature-input"]}`,
          signature: `${badA}, ${b.signature}`
        }
      }
      const f = yield* Effect.flip(MessageSignatures.verify(msg).pipe(Effect.provide(Keys)))
      assert.strictEqual(f._tag, "SignatureInvalid")
      assert.strictEqual((f as Fault.SignatureInvalid).keyId, "vtn-1")
      const v = yield* MessageSignatures.verify(msg, { label: "b" }).pipe(Effect.provide(Keys))
      assert.strictEqual(v.keyId, "ven-1")
    }))

  it.effect("a covered header removed from the message is SignatureInvalid naming it", () =>
    Effect.gen(function*() {
      const msg = yield* signed(request, { key: venKey.signing, components: requestComponents })
      const headers: Record<string, string | ReadonlyArray<string> | undefined> = { ...msg.headers }
      delete headers["content-type"]
      const f = yield* Effect.flip(MessageSignatures.verify({ ...msg, headers }).pipe(Effect.provide(Keys)))
      assert.strictEqual(f._tag, "SignatureInvalid")
      assert.include(f.message, "content-type")
    }))

  it.effect("a @query-param name with a bad percent escape is SignatureInvalid, not a defect", () =>
    Effect.gen(function*() {
      const msg = {
        ...request,
        headers: {
          ...request.headers,
          "signature-input": "sig1=(\"@query-param\";name=\"%\");keyid=\"vtn-1\";alg=\"hmac-sha256\"",
          signature: "sig1=:AAAA:"
        }
      }
      const f = yield* Effect.flip(MessageSignatures.verify(msg).pipe(Effect.provide(Keys)))
      assert.strictEqual(f._tag, "SignatureInvalid")
      assert.include(f.message, "@query-param")
    }))

  it.effect("a key id not on record is FingerprintMismatch", () =>
    Effect.gen(function*() {
      const rogue = Signature.ed25519Generate("ven-rogue")
      const msg = yield* signed(request, { key: rogue.signing, components: requestComponents })
      const f = yield* Effect.flip(MessageSignatures.verify(msg, { party: "ven-1" }).pipe(Effect.provide(Keys)))
      assert.strictEqual(f._tag, "FingerprintMismatch")
      assert.strictEqual((f as Fault.FingerprintMismatch).presentedFingerprint, "ven-rogue")
      // a request's signer gets a public 401: it is not told which key ids are on record
      assert.strictEqual((f as Fault.FingerprintMismatch).expectedFingerprint, "a key on record")
      assert.strictEqual(f.status, 401)
    }))

  it.effect("a response signed with a key not on record names the keys we expected (a local fault, for the logs)", () =>
    Effect.gen(function*() {
      const rogue = Signature.ed25519Generate("vtn-rogue")
      const msg = yield* signed(request, { key: rogue.signing, components: requestComponents })
      const f = yield* Effect.flip(
        MessageSignatures.verify(msg, { party: "ven-1", presentedBy: "server" }).pipe(Effect.provide(Keys))
      )
      assert.strictEqual((f as Fault.FingerprintMismatch).expectedFingerprint, "ven-1")
    }))

  it.effect("expiry and age are read on Effect's Clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(1_700_000_000_000)
      const msg = yield* signed(request, { key: venKey.signing, components: requestComponents, expiresIn: 300 })
      yield* MessageSignatures.verify(msg, { maxAgeSeconds: 300 }).pipe(Effect.provide(Keys))
      yield* TestClock.adjust("6 minutes") // within expires + the 60 s skew
      yield* MessageSignatures.verify(msg).pipe(Effect.provide(Keys))
      yield* TestClock.adjust("1 minute")
      const expired = yield* Effect.flip(MessageSignatures.verify(msg).pipe(Effect.provide(Keys)))
      assert.strictEqual(expired._tag, "SignatureInvalid")
      assert.include(expired.message, "expired")
      const unbounded = yield* signed(request, { key: venKey.signing, components: requestComponents })
      yield* TestClock.adjust("2 minutes")
      yield* MessageSignatures.verify(unbounded).pipe(Effect.provide(Keys))
      const old = yield* Effect.flip(
        MessageSignatures.verify(unbounded, { maxAgeSeconds: 60, skewSeconds: 0 }).pipe(Effect.provide(Keys))
      )
      assert.include(old.message, "older than")
    }))

  it.effect("never fails with anything but the three faults, whatever the fields say (fuzz)", () =>
    Effect.gen(function*() {
      const base = yield* signed(request, { key: venKey.signing, components: requestComponents })
      const field = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.constantFrom(base.headers["signature-input"] as string, base.headers.signature as string).chain((s) =>
          fc.tuple(fc.nat(s.length), fc.string({ maxLength: 3 })).map(([i, ins]) =>
            s.slice(0, i) + ins + s.slice(i + 1)
          )
        )
      )
      const samples = fc.sample(fc.tuple(field, field), 1500)
      for (const [input, signature] of samples) {
        const exit = yield* Effect.exit(
          MessageSignatures.verify({ ...base, headers: { ...base.headers, "signature-input": input, signature } }).pipe(
            Effect.provide(Keys)
          )
        )
        if (exit._tag === "Failure") {
          const f = exit.cause.reasons[0]
          assert.isTrue(f !== undefined && f._tag === "Fail", "a defect escaped")
          const tag = (f as { error: Fault.Fault }).error._tag
          assert.include(["SignatureMissing", "SignatureInvalid", "FingerprintMismatch"], tag)
        }
      }
    }))
})
