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

describe("derived components @scheme and @query-param (RFC 9421 §2.2.4, §2.2.8)", () => {
  const get = (url: string): MessageSignatures.Message => ({ method: "GET", url, headers: {} })
  const withUrl = (message: MessageSignatures.Message, url: string): MessageSignatures.Message => ({ ...message, url })
  const lines = (message: MessageSignatures.Message, components: ReadonlyArray<string>) => {
    const b = MessageSignatures.base(message, components, {})
    return "base" in b ? b.base.split("\n").slice(0, -1) : b
  }

  it("reproduces the §2.2.8 examples: each value form-decoded, then percent-encoded again; @scheme as in §2.2.4", () => {
    assert.deepStrictEqual(
      lines(get("https://www.example.com/path?param=value&foo=bar&baz=batman&qux="), [
        "@query-param;name=\"baz\"",
        "\"@query-param\";name=\"qux\"",
        "@query-param;name=\"param\"",
        "@scheme"
      ]),
      [
        "\"@query-param\";name=\"baz\": batman",
        "\"@query-param\";name=\"qux\": ",
        "\"@query-param\";name=\"param\": value",
        "\"@scheme\": https"
      ]
    )
    assert.deepStrictEqual(
      lines(
        get(
          "https://www.example.com/parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something"
        ),
        ["@query-param;name=\"var\"", "@query-param;name=\"bar\"", "@query-param;name=\"fa%C3%A7ade%22%3A%20\""]
      ),
      [
        "\"@query-param\";name=\"var\": this%20is%20a%20big%0Amultiline%20value",
        "\"@query-param\";name=\"bar\": with%20plus%20whitespace",
        "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\": something"
      ]
    )
    assert.deepStrictEqual(lines(get("http://www.example.com/path"), ["@scheme"]), ["\"@scheme\": http"])
    // a parameter that is absent, or occurs more than once, has no component value (§2.2.8)
    assert.deepStrictEqual(lines(get("https://a.example/?b=1"), ["@query-param;name=\"a\""]), {
      absent: "\"@query-param\";name=\"a\""
    })
    assert.deepStrictEqual(lines(get("https://a.example/?a=1&a=1"), ["@query-param;name=\"a\""]), {
      absent: "\"@query-param\";name=\"a\""
    })
  })

  it.effect("a signature over @scheme and @query-param;name=\"a\" breaks when a or the scheme changes, not when b does", () =>
    Effect.gen(function*() {
      for (const key of [venKey.signing, vtnKey]) {
        const msg = yield* signed(get("https://api.example/orders?a=1&b=2"), {
          key,
          components: ["@method", "@scheme", "@authority", "@path", "@query-param;name=\"a\""]
        })
        assert.include(
          msg.headers["signature-input"] as string,
          "\"@scheme\" \"@authority\" \"@path\" \"@query-param\";name=\"a\")"
        )
        const verify = (url: string) =>
          MessageSignatures.verify(withUrl(msg, url), { required: ["@scheme", "@query-param;name=\"a\""] }).pipe(
            Effect.provide(Keys)
          )
        const v = yield* verify("https://api.example/orders?a=1&b=2")
        assert.strictEqual(v.keyId, key.id)
        assert.deepStrictEqual(v.components, [
          "\"@method\"",
          "\"@scheme\"",
          "\"@authority\"",
          "\"@path\"",
          "\"@query-param\";name=\"a\""
        ])
        // uncovered parameters may change, appear or go
        yield* verify("https://api.example/orders?a=1&b=3")
        yield* verify("https://api.example/orders?b=3&c=x&a=1")
        yield* verify("https://api.example/orders?a=1")
        // the covered one may not
        for (const url of ["https://api.example/orders?a=2&b=2", "https://api.example/orders?a=10&b=2"]) {
          const f = yield* Effect.flip(verify(url))
          assert.strictEqual(f._tag, "SignatureInvalid", url)
          assert.strictEqual((f as Fault.SignatureInvalid).keyId, key.id)
        }
        // nor go, nor be repeated (parameter pollution): the covered component is then absent
        for (const url of ["https://api.example/orders?b=2", "https://api.example/orders?a=1&a=2&b=2"]) {
          const f = yield* Effect.flip(verify(url))
          assert.strictEqual(f._tag, "SignatureInvalid", url)
          assert.include(f.message, "\"@query-param\";name=\"a\" is absent", url)
        }
        // same authority, path and query over http: @scheme differs
        const downgraded = yield* Effect.flip(verify("http://api.example/orders?a=1&b=2"))
        assert.strictEqual(downgraded._tag, "SignatureInvalid")
      }
    }))

  it.effect("a @query-param value is signed decoded and re-encoded: any spelling of the same value verifies", () =>
    Effect.gen(function*() {
      // q = "café & crème", written with `+` for spaces
      const url = "https://api.example/search?q=caf%C3%A9+%26+cr%C3%A8me&page=2"
      const component = "@query-param;name=\"q\""
      assert.deepStrictEqual(lines(get(url), [component]), [
        "\"@query-param\";name=\"q\": caf%C3%A9%20%26%20cr%C3%A8me"
      ])
      const msg = yield* signed(get(url), { key: venKey.signing, components: ["@scheme", component] })
      const verify = (u: string) =>
        MessageSignatures.verify(withUrl(msg, u), { required: [component] }).pipe(Effect.provide(Keys))
      yield* verify(url)
      yield* verify("https://api.example/search?page=3&q=caf%c3%a9%20%26%20cr%c3%a8me") // lower-case hex, %20
      yield* verify("https://api.example/search?q=café%20%26%20crème") // raw UTF-8 (the URL parser encodes it)
      for (
        const u of [
          "https://api.example/search?q=caf%C3%A9+%26+cr%C3%A8mf", // another value
          "https://api.example/search?q=caf%C3%A9+&+cr%C3%A8me", // an unencoded & splits the value
          "https://api.example/search?q=caf%C3%A9%2B%26%2Bcr%C3%A8me" // %2B is a plus, not a space
        ]
      ) {
        const f = yield* Effect.flip(verify(u))
        assert.strictEqual(f._tag, "SignatureInvalid", u)
      }
      // a name that needs encoding is given encoded, and found decoded
      const facade = "@query-param;name=\"fa%C3%A7ade%22%3A%20\""
      const named = yield* signed(get("https://api.example/p?fa%C3%A7ade%22%3A%20=something"), {
        key: vtnKey,
        components: [facade]
      })
      yield* MessageSignatures.verify(named, { required: [facade] }).pipe(Effect.provide(Keys))
      yield* MessageSignatures.verify(withUrl(named, "https://api.example/p?façade%22:+=something"), {
        required: [facade]
      }).pipe(Effect.provide(Keys))
      const f = yield* Effect.flip(
        MessageSignatures.verify(withUrl(named, "https://api.example/p?fa%C3%A7ade%22%3A%20=other")).pipe(
          Effect.provide(Keys)
        )
      )
      assert.strictEqual(f._tag, "SignatureInvalid")
    }))

  it.effect("a signature covering another query parameter than the required one is SignatureMissing naming it", () =>
    Effect.gen(function*() {
      const msg = yield* signed(get("https://api.example/orders?a=1&b=2"), {
        key: venKey.signing,
        components: ["@scheme", "@query-param;name=\"b\""]
      })
      const f = yield* Effect.flip(
        MessageSignatures.verify(msg, { required: ["@scheme", "\"@query-param\";name=\"a\""] }).pipe(
          Effect.provide(Keys)
        )
      )
      assert.strictEqual(f._tag, "SignatureMissing")
      assert.deepStrictEqual((f as Fault.SignatureMissing).missing, ["@query-param;name=\"a\""])
    }))

  const pkgVerify = (message: MessageSignatures.Message) =>
    Effect.promise(() =>
      httpbis.verifyMessage(
        {
          keyLookup: async (params) =>
            params.keyid === "ven-1"
              ? { id: "ven-1", algs: ["ed25519"], verify: createVerifier(venKey.verifying.key, "ed25519") }
              : null
        },
        { method: message.method!, url: message.url!, headers: message.headers as Record<string, string> }
      )
    )
  const tricky = "https://api.example/search?q=caf%C3%A9+%26+cr%C3%A8me&fa%C3%A7ade=1&page=2"
  const trickyComponents = ["@scheme", "@query-param;name=\"q\"", "@query-param;name=\"fa%C3%A7ade\""]

  it.effect("interoperability: http-message-signatures verifies our @scheme and @query-param signatures", () =>
    Effect.gen(function*() {
      const msg = yield* signed(get(tricky), { key: venKey.signing, components: trickyComponents })
      assert.isTrue(yield* pkgVerify(msg))
      assert.isTrue(yield* pkgVerify(withUrl(msg, tricky.replace("page=2", "page=3"))))
      assert.isFalse(yield* pkgVerify(withUrl(msg, tricky.replace("cr%C3%A8me", "cr%C3%A8mf"))))
      assert.isFalse(yield* pkgVerify(withUrl(msg, tricky.replace("https:", "http:"))))
    }))

  it.effect("interoperability: we verify its @scheme and @query-param signatures", () =>
    Effect.gen(function*() {
      const pkgSigned = yield* Effect.promise(() =>
        httpbis.signMessage({
          key: { ...createSigner(vtnKey.key, "hmac-sha256", "vtn-1"), alg: "hmac-sha256" },
          fields: trickyComponents,
          params: ["created", "keyid", "alg"]
        }, { method: "GET", url: tricky, headers: {} })
      )
      const headers = pkgSigned.headers as Record<string, string>
      assert.include(
        headers["Signature-Input"],
        "(\"@scheme\" \"@query-param\";name=\"q\" \"@query-param\";name=\"fa%C3%A7ade\")"
      )
      yield* TestClock.setTime(Date.now()) // the package stamps `created` with the wall clock
      const msg: MessageSignatures.Message = { method: "GET", url: tricky, headers }
      const verify = (url: string) =>
        MessageSignatures.verify(withUrl(msg, url), { required: trickyComponents }).pipe(Effect.provide(Keys))
      const v = yield* verify(tricky)
      assert.strictEqual(v.keyId, "vtn-1")
      yield* verify(tricky.replace("page=2", "page=3"))
      yield* verify(tricky.replace(/\+/g, "%20"))
      const f = yield* Effect.flip(verify(tricky.replace("fa%C3%A7ade=1", "fa%C3%A7ade=2")))
      assert.strictEqual(f._tag, "SignatureInvalid")
      assert.strictEqual((f as Fault.SignatureInvalid).keyId, "vtn-1")
    }))
})
