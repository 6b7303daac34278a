import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { afterAll, assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { Exposure, Fault, Report, Trust } from "effect-faults"
import { Middleware } from "effect-faults/http"
import { Answer, Envelope, MessageSignatures, Signature, Tls } from "effect-faults/secure"
import { HttpClient, HttpClientRequest, HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import type * as http from "node:http"
import * as https from "node:https"
import * as Certs from "./certs.ts"

const certs = Certs.make()
afterAll(() => certs.cleanup())

const ven = Signature.ed25519Generate("ven-1", { party: "ven-1" })
const rogue = Signature.ed25519Generate("ven-9")
let handled = 0

const oadrRequest = (requestId: string) =>
  `<oadrRequestEvent><eiRequestEvent><requestID>${requestId}</requestID><venID>ven-1</venID></eiRequestEvent></oadrRequestEvent>`

// The VTN: the EiEvent service only runs for requests signed by a VEN key on record; the others are
// answered with an oadrResponse. /EiReport fails with a fault and the middleware answers in OpenADR.
const Routes = Layer.mergeAll(
  HttpRouter.add(
    "POST",
    "/OpenADR2/Simple/2.0b/EiEvent",
    Answer.verified({ required: ["@method", "@path", "content-digest"], party: "ven-1" })(({ body }) =>
      Effect.sync(() => {
        handled++
        return HttpServerResponse.text(
          `<oadrDistributeEvent><eiResponse><responseCode>200</responseCode><requestID>${
            Answer.requestIdOf(body)
          }</requestID></eiResponse></oadrDistributeEvent>`,
          { contentType: "application/xml" }
        )
      })
    ).pipe(Effect.provide(Signature.layer([ven.verifying])))
  ),
  HttpRouter.add(
    "POST",
    "/OpenADR2/Simple/2.0b/EiReport",
    Effect.fail(
      new Fault.InvalidFieldValue({
        field: "reportSpecifierID",
        expectedValue: "a known report",
        receivedValue: "RS-0"
      })
    )
  ),
  Middleware.layer({ dialects: [Answer.openAdr], negotiate: false })
)

const Vtn = HttpRouter.serve(Routes, { disableListenLog: true, disableLogger: true }).pipe(
  Layer.provideMerge(
    NodeHttpServer.layer(() => https.createServer(certs.server) as unknown as http.Server, {
      port: 0,
      host: "127.0.0.1"
    })
  ),
  Layer.provide(Report.layer(Report.silent))
)

const Ven = NodeHttpClient.layerNodeHttpNoAgent.pipe(
  Layer.provide(Layer.effect(NodeHttpClient.HttpAgent, Tls.agents({ ca: certs.ca })))
)

const baseUrl = Effect.gen(function*() {
  const { address } = yield* HttpServer.HttpServer
  return address._tag === "UnixPathAddress" ? "" : `https://127.0.0.1:${address.port}`
})

const post = (path: string, body: string, sign?: Signature.SigningKey, tamper?: string) =>
  Effect.gen(function*() {
    const client = yield* Tls.client({ report: false })
    let request = HttpClientRequest.post((yield* baseUrl) + path).pipe(
      HttpClientRequest.bodyText(body, "application/xml")
    )
    if (sign !== undefined) {
      request = yield* MessageSignatures.signRequest({
        key: sign,
        components: ["@method", "@path", "@authority", "content-digest"]
      })(request)
    }
    if (tamper !== undefined) request = HttpClientRequest.bodyText(request, tamper, "application/xml")
    const response = yield* client.execute(request)
    const text = yield* Effect.orDie(response.text)
    const fault = yield* Effect.flip(Envelope.read([Answer.openAdr])(response)).pipe(
      Effect.map((f) => f as Fault.Fault),
      Effect.catch(() => Effect.succeed(undefined))
    )
    return { status: response.status, text, fault }
  }).pipe(Effect.provide(Report.layer(Report.silent)))

layer(Layer.mergeAll(Vtn, Ven))("answering in the protocol's own terms, over HTTPS", (it) => {
  it.effect("a request signed by a VEN key on record reaches the service", () =>
    Effect.gen(function*() {
      const before = handled
      const r = yield* post("/OpenADR2/Simple/2.0b/EiEvent", oadrRequest("r-1"), ven.signing)
      assert.strictEqual(r.status, 200)
      assert.include(r.text, "<responseCode>200</responseCode>")
      assert.isUndefined(r.fault)
      assert.strictEqual(handled, before + 1)
    }))

  const refused = [
    ["an unsigned request", () => [oadrRequest("r-2"), undefined, undefined] as const, "SignatureMissing", "r-2"],
    [
      "a tampered body",
      () => [oadrRequest("r-3"), ven.signing, oadrRequest("r-3").replace("ven-1", "ven-2")] as const,
      "SignatureInvalid",
      "r-3"
    ],
    ["a key not on record", () => [oadrRequest("r-4"), rogue.signing, undefined] as const, "FingerprintMismatch", "r-4"]
  ] as const
  for (const [name, args, code, requestId] of refused) {
    it.effect(`${name} is answered with an oadrResponse (${code}, 401, requestID), the service never runs`, () =>
      Effect.gen(function*() {
        const before = handled
        const [body, key, tamper] = args()
        const r = yield* post("/OpenADR2/Simple/2.0b/EiEvent", body, key, tamper)
        assert.strictEqual(r.status, 200) // OpenADR reports in the body
        assert.include(r.text, "<ei:responseCode>401</ei:responseCode>")
        assert.include(r.text, `<pyld:requestID>${requestId}</pyld:requestID>`)
        assert.include(r.text, `<ei:responseDescription>${code}: `)
        assert.strictEqual(handled, before)
        // the VEN reads it back as a remote fault carrying the code and the correlation id
        const f = r.fault as Fault.RemoteFault
        assert.strictEqual(f._tag, "RemoteFault")
        assert.strictEqual(f.remoteCode, code)
        assert.strictEqual(f.remoteStatus, 401)
        assert.strictEqual(f.correlationId, requestId)
      }))
  }

  it.effect("in trust mode the VEN gets the typed security fault back when the answer carries all it needs", () =>
    Effect.gen(function*() {
      const tampered = oadrRequest("r-5").replace("ven-1", "ven-2")
      const r = yield* post("/OpenADR2/Simple/2.0b/EiEvent", oadrRequest("r-5"), ven.signing, tampered).pipe(
        Effect.provide(Trust.layer("trust"))
      )
      assert.strictEqual(r.fault?._tag, "SignatureInvalid")
      assert.strictEqual(r.fault?.origin, "remote")
      assert.strictEqual(r.fault?.correlationId, "r-5")
      // an oadrResponse has no room for the fingerprints FingerprintMismatch requires: it stays remote
      const rogueAnswer = yield* post("/OpenADR2/Simple/2.0b/EiEvent", oadrRequest("r-6"), rogue.signing).pipe(
        Effect.provide(Trust.layer("trust"))
      )
      assert.strictEqual(rogueAnswer.fault?._tag, "RemoteFault")
      assert.strictEqual((rogueAnswer.fault as Fault.RemoteFault).remoteCode, "FingerprintMismatch")
    }))

  it.effect("a handler's fault goes out through the middleware in the OpenADR dialect", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.post((yield* baseUrl) + "/OpenADR2/Simple/2.0b/EiReport").pipe(
          HttpClientRequest.setHeader("x-correlator", "6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b"),
          HttpClientRequest.bodyText("<oadrRegisterReport/>", "application/xml")
        )
      )
      const text = yield* response.text
      assert.strictEqual(response.status, 200)
      assert.include(text, "<ei:responseCode>400</ei:responseCode>")
      assert.include(text, "<pyld:requestID>6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b</pyld:requestID>")
      assert.include(text, "InvalidFieldValue: ")
    }))
})

describe("the OpenADR answer dialect", () => {
  it("writes what Envelope.openAdr reads; a redacted fault carries no detail", () => {
    const view = Exposure.view(new Fault.InternalError({ message: "db password is hunter2" }), { correlationId: "c-1" })
    const encoded = Answer.openAdr.encode(view)
    assert.notInclude(encoded.body, "hunter2")
    assert.include(encoded.body, "<ei:responseCode>500</ei:responseCode>")
    const back = Answer.openAdr.decode({ status: 200, headers: {}, body: encoded.body, truncated: false })
    assert.strictEqual(back?.code, "InternalError")
    assert.strictEqual(back?.correlationId, "c-1")
    assert.strictEqual(back?.status, 500)
  })

  it("escapes what it writes", () => {
    const view = Exposure.view(new Fault.NotFound({ resource: "<event>", id: "a&b" }), { correlationId: "x<y" })
    const body = Answer.openAdr.encode(view).body
    assert.include(body, "&lt;event&gt;")
    assert.include(body, "a&amp;b")
    assert.include(body, "<pyld:requestID>x&lt;y</pyld:requestID>")
  })
})
