import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Catalog, Fault } from "effect-faults"
import { Envelope } from "effect-faults/secure"
import * as fc from "fast-check"

const incoming = (body: string, status = 200) => ({ status, headers: {}, body, truncated: false })

// A remote fault with these getters and fields (the rest is not the envelope's business).
const assertRemote = (f: Fault.Fault | undefined, expected: Partial<Fault.RemoteFault>) => {
  assert.strictEqual(f?._tag, "RemoteFault")
  for (const [key, value] of Object.entries(expected)) {
    assert.strictEqual((f as Fault.RemoteFault)[key as keyof Fault.RemoteFault], value, key)
  }
}

const oadr = (code: string, description = "", requestId = "r-42") =>
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" +
  "<oadr:oadrPayload xmlns:oadr=\"http://openadr.org/oadr-2.0b/2012/07\" xmlns:ei=\"http://docs.oasis-open.org/ns/energyinterop/201110\" xmlns:pyld=\"http://docs.oasis-open.org/ns/energyinterop/201110/payloads\">" +
  "<oadr:oadrSignedObject><oadr:oadrResponse ei:schemaVersion=\"2.0b\"><ei:eiResponse>" +
  `<ei:responseCode>${code}</ei:responseCode><ei:responseDescription>${description}</ei:responseDescription>` +
  `<pyld:requestID>${requestId}</pyld:requestID></ei:eiResponse><ei:venID>ven-1</ei:venID>` +
  "</oadr:oadrResponse></oadr:oadrSignedObject></oadr:oadrPayload>"

describe("OpenADR oadrResponse", () => {
  it("a non-200 responseCode is a remote fault with the code, description and requestID", () => {
    assertRemote(Envelope.toFault(Envelope.all, incoming(oadr("452", "Invalid ID &amp; such"))), {
      remoteCode: "452",
      remoteMessage: "Invalid ID & such",
      remoteStatus: 452,
      protocol: "openadr",
      correlationId: "r-42",
      origin: "remote",
      expected: "FixRequest"
    })
  })

  it("a 200 (or any 2xx) responseCode is not a failure", () => {
    assert.isUndefined(Envelope.toFault(Envelope.all, incoming(oadr("200", "OK"))))
    assert.isUndefined(Envelope.openAdr.decode(incoming(oadr("201"))))
  })

  it("unprefixed OpenADR 2.0a-style payloads are read too", () => {
    const body =
      "<oadrCreatedEvent><eiResponse><responseCode>500</responseCode><responseDescription>VTN busy</responseDescription><requestID/></eiResponse></oadrCreatedEvent>"
    const r = Envelope.openAdr.decode(incoming(body))
    assert.deepStrictEqual(r, { code: "500", message: "VTN busy", status: 500, correlationId: undefined })
  })
})

describe("S3-style <Error> sent with 200", () => {
  it("an <Error> document is a remote fault; SlowDown keeps its documented status (retry later)", () => {
    const body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>4442587FB7D0A2F9</RequestId><HostId>h</HostId></Error>"
    assertRemote(Envelope.toFault(Envelope.all, incoming(body)), {
      remoteCode: "SlowDown",
      remoteStatus: 503,
      expected: "RetryLater",
      correlationId: "4442587FB7D0A2F9",
      protocol: "s3"
    })
  })

  it("a success document that merely contains an <Error> element is not a failure", () => {
    const body = "<CopyObjectResult><ETag>\"abc\"</ETag><Error><Code>x</Code></Error></CopyObjectResult>"
    assert.isUndefined(Envelope.s3Error.decode(incoming(body)))
    assert.isUndefined(
      Envelope.s3Error.decode(incoming("<CompleteMultipartUploadResult><ETag>e</ETag></CompleteMultipartUploadResult>"))
    )
  })

  it("a large success body full of <?xml before an <Error> is read in linear time (no regex backtracking)", () => {
    // 1 MiB of `<?xml` without `>`: the former `/<\?xml[^>]*\?>/` took minutes on this (quadratic)
    const body = "<?xml".repeat(200_000) + "<Error><Code>SlowDown</Code></Error>"
    assert.isUndefined(Envelope.s3Error.decode(incoming(body)))
    assert.isUndefined(Envelope.s3Error.decode(incoming("<?xml a?> <?xml b?><Error><Code>SlowDown</Code></Error>")))
    assert.strictEqual(
      Envelope.s3Error.decode(incoming("  <?xml v?>\n<Error><Code>SlowDown</Code></Error>"))?.code,
      "SlowDown"
    )
  })
})

describe("JSON { status }", () => {
  it("REQUEST_DENIED is a remote fault with its message and a 403-like expectation", () => {
    const body = JSON.stringify({
      status: "REQUEST_DENIED",
      error_message: "The provided API key is invalid.",
      results: []
    })
    assertRemote(Envelope.toFault(Envelope.all, incoming(body)), {
      remoteCode: "REQUEST_DENIED",
      remoteMessage: "The provided API key is invalid.",
      remoteStatus: 403,
      expected: "FixRequest",
      protocol: "json-status"
    })
  })

  it("OK and ZERO_RESULTS are successes; other shapes are not this envelope", () => {
    for (
      const body of [{ status: "OK" }, { status: "ZERO_RESULTS" }, [{ status: "DENIED" }], { state: "DENIED" }, {
        status: 3
      }]
    ) {
      assert.isUndefined(Envelope.toFault(Envelope.all, incoming(JSON.stringify(body))))
    }
  })

  it("is configurable: another field, other success values, other statuses", () => {
    const api = Envelope.jsonStatus({
      name: "acme",
      field: "result",
      ok: ["success"],
      messageField: "reason",
      statuses: { throttled: 429 }
    })
    assertRemote(Envelope.toFault([api], incoming(JSON.stringify({ result: "throttled", reason: "slow down" }))), {
      remoteCode: "throttled",
      remoteMessage: "slow down",
      remoteStatus: 429,
      expected: "RetryLater",
      protocol: "acme"
    })
  })
})

describe("decoding", () => {
  it("trust mode maps a catalogued code back to its typed fault, marked received", () => {
    const body = "<Error><Code>NotFound</Code><Message>no such key</Message></Error>"
    const f = Envelope.toFault(Envelope.all, incoming(body), { mode: "trust", catalog: Catalog.builtin })
    assert.strictEqual(f?._tag, "NotFound")
    assert.strictEqual(f?.origin, "remote")
  })

  it("a user's envelope plugs in; one that throws recognises nothing", () => {
    const throwing: Envelope.Envelope = {
      name: "bad",
      decode: () => {
        throw new Error("boom")
      }
    }
    const legacy: Envelope.Envelope = {
      name: "legacy",
      decode: (i) => i.body.startsWith("ERR ") ? { code: i.body.slice(4) } : undefined
    }
    assert.strictEqual(
      (Envelope.toFault([throwing, legacy], incoming("ERR E42")) as Fault.RemoteFault).remoteCode,
      "E42"
    )
  })

  it.effect("read: fails with the fault the envelope reports, or gives back the body", () =>
    Effect.gen(function*() {
      const response = (body: string) => ({ status: 200, headers: {}, text: Effect.succeed(body) }) as any
      const f = yield* Effect.flip(Envelope.read([Envelope.openAdr])(response(oadr("463", "Not allowed"))))
      assert.strictEqual((f as Fault.RemoteFault).remoteCode, "463")
      assert.strictEqual(yield* Envelope.read([Envelope.openAdr])(response(oadr("200"))), oadr("200"))
    }))

  it("never throws on any input (fuzz: random and mutated envelopes)", () => {
    const seeds = [
      oadr("452", "x"),
      "<Error><Code>SlowDown</Code></Error>",
      JSON.stringify({ status: "REQUEST_DENIED" })
    ]
    const mutated = fc.constantFrom(...seeds).chain((s) =>
      fc.tuple(fc.nat(s.length), fc.nat(20), fc.string({ maxLength: 8 })).map(([i, n, ins]) =>
        s.slice(0, i) + ins + s.slice(i + n)
      )
    )
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), mutated), (body) => {
        const f = Envelope.toFault(Envelope.all, incoming(body))
        assert.isTrue(f === undefined || Fault.isFault(f))
      }),
      { numRuns: 5000 }
    )
  })
})
