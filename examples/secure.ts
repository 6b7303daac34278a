/**
 * Tour, chapter 7: secure calls, the OpenADR way. A VEN polls a VTN over HTTPS with mutual trust:
 * the VTN's certificate is checked (CA and pinned fingerprint), requests and responses are signed
 * (RFC 9421, Ed25519 for the VEN, HMAC-SHA256 for the VTN, Content-Digest over the bodies), and the
 * VTN reports failures inside an oadrResponse. The VEN meets every failure the OpenADR design lists
 * — unreachable VTN, expired certificate, pinned fingerprint mismatch, tampered signature, failure in
 * the oadrResponse — and each time logs a warning with the correlation id and returns, never throws.
 * The VTN answers an unsigned request with an oadrResponse, not a bare HTTP error.
 * Certificates are made at run time with the openssl CLI in a temp dir, removed at the end.
 */
import { NodeHttpClient, NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer, Logger, References } from "effect"
import { HttpClientRequest, HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import type * as http from "node:http"
import * as https from "node:https"
import * as Correlation from "../src/Correlation.ts"
import * as Fault from "../src/Fault.ts"
import * as Policy from "../src/Policy.ts"
import * as Report from "../src/Report.ts"
import * as Answer from "../src/secure/Answer.ts"
import * as Envelope from "../src/secure/Envelope.ts"
import * as MessageSignatures from "../src/secure/MessageSignatures.ts"
import * as Pinning from "../src/secure/Pinning.ts"
import * as Signature from "../src/secure/Signature.ts"
import * as Tls from "../src/secure/Tls.ts"
import * as Certs from "../test/secure/certs.ts"

type Mode = "ok" | "tamper" | "fail"

// The VTN: EiEvent polls must be signed by a VEN key on record; answers are signed with the VTN's key.
const vtn = (pair: Certs.KeyPair, venKeys: Signature.VerifyingKey, vtnKey: Signature.SigningKey, mode: () => Mode) => {
  const poll = Answer.verified({ required: ["@method", "@path", "content-digest"], party: "ven-1" })(
    ({ body, message }) =>
      Effect.gen(function*() {
        const requestId = Answer.requestIdOf(body) ?? ""
        const answer = mode() === "fail"
          ? `<oadrResponse><eiResponse><responseCode>452</responseCode><responseDescription>Invalid ID: no event for ven-1</responseDescription><requestID>${requestId}</requestID></eiResponse></oadrResponse>`
          : `<oadrDistributeEvent><eiResponse><responseCode>200</responseCode><requestID>${requestId}</requestID></eiResponse><oadrEvent><signalPayload>1</signalPayload></oadrEvent></oadrDistributeEvent>`
        const headers = { "content-type": "application/xml", "content-digest": MessageSignatures.contentDigest(answer) }
        const signed = yield* MessageSignatures.sign({ status: 200, headers }, {
          key: vtnKey,
          components: ["@status", "content-type", "content-digest", "\"@method\";req", "\"@path\";req"],
          request: message
        })
        // a man in the middle turns the load-shed signal from 1 to 9 after the VTN signed it
        const sent = mode() === "tamper" ? answer.replace("<signalPayload>1", "<signalPayload>9") : answer
        return HttpServerResponse.text(sent, { contentType: "application/xml", headers: { ...headers, ...signed } })
      })
  ).pipe(Effect.provide(Signature.layer([venKeys])))
  return HttpRouter.serve(HttpRouter.add("POST", "/OpenADR2/Simple/2.0b/EiEvent", poll), {
    disableListenLog: true,
    disableLogger: true
  }).pipe(
    Layer.provideMerge(
      NodeHttpServer.layer(() => https.createServer(pair) as unknown as http.Server, { port: 0, host: "127.0.0.1" })
    ),
    Layer.provide(Report.layer(Report.silent))
  )
}

// The VEN's poll: sign, send, verify the VTN's signature and Content-Digest, read the envelope.
// Any fault is logged as a warning with the correlation id, and the poll returns undefined.
const pollOnce = (url: string, venKey: Signature.SigningKey | undefined, vtnKeys: Signature.VerifyingKey) => {
  const requestId = crypto.randomUUID()
  return Effect.gen(function*() {
    const client = yield* Tls.client({ report: false })
    let request = HttpClientRequest.post(`${url}/OpenADR2/Simple/2.0b/EiEvent`).pipe(
      HttpClientRequest.bodyText(
        `<oadrRequestEvent><requestID>${requestId}</requestID><venID>ven-1</venID></oadrRequestEvent>`,
        "application/xml"
      )
    )
    if (venKey !== undefined) {
      request = yield* MessageSignatures.signRequest({
        key: venKey,
        components: ["@method", "@path", "@authority", "content-digest"]
      })(request)
    }
    const response = yield* client.execute(request)
    const body = yield* Effect.mapError(response.text, Fault.fromUnknown)
    const sent = { method: request.method, url: request.url, headers: request.headers }
    if (response.headers.signature !== undefined) {
      yield* MessageSignatures.verify(
        { status: response.status, headers: response.headers },
        { request: sent, required: ["@status", "content-digest"], body, party: "vtn" }
      ).pipe(Effect.provide(Signature.layer([vtnKeys])))
    }
    yield* Envelope.read([Answer.openAdr])({ ...response, text: Effect.succeed(body) })
    return body.includes("signalPayload>1") ? "event received: shed load, level 1" : "answered"
  }).pipe(
    Policy.logAndContinue(undefined, { when: () => true }),
    // every failure of the client is a fault, logged above; this only keeps the type honest
    Effect.catch((e) => Effect.as(Effect.logError("not a fault", e), undefined)),
    Correlation.withId(requestId),
    Effect.provide(Report.layer(Report.silent))
  )
}

const compact = Logger.make(({ fiber, logLevel, message }) => {
  const a = fiber.getRef(References.CurrentLogAnnotations) as Record<string, unknown>
  const text = (Array.isArray(message) ? message : [message]).map(String).join(" ")
  console.log(`    [${logLevel}] ${text} (faultCode=${a.faultCode}, correlationId=${a.correlationId})`)
})

export async function run(): Promise<void> {
  console.log("\n=== 7. Secure calls: an OpenADR VEN polls a VTN over HTTPS ===")
  const certs = Certs.make()
  try {
    const ven = Signature.ed25519Generate("ven-1", { party: "ven-1" })
    const vtnKey = Signature.hmacSha256("vtn-1", "vtn-1 shared secret, 32 bytes or more", { party: "vtn" })
    let mode: Mode = "ok"
    const program = Effect.gen(function*() {
      const urlOf = (server: HttpServer.HttpServer["Service"]) =>
        `https://127.0.0.1:${server.address._tag === "UnixPathAddress" ? 0 : server.address.port}`
      const url = urlOf(yield* HttpServer.HttpServer)
      const pinned = { "127.0.0.1": [Pinning.fingerprint(certs.server.cert)] }
      const secure = (pins: Pinning.Pins) =>
        NodeHttpClient.layerNodeHttpNoAgent.pipe(
          Layer.provide(Layer.effect(NodeHttpClient.HttpAgent, Tls.agents({ ca: certs.ca, pins })))
        )
      // one poll by the VEN, trusting `pins`; `signed: false` leaves the request unsigned
      const poll = (pins: Pinning.Pins, at = url, signed = true) =>
        pollOnce(at, signed ? ven.signing : undefined, vtnKey).pipe(Effect.provide(secure(pins)))
      const step = (title: string, attempt: Effect.Effect<string | undefined>) =>
        Effect.gen(function*() {
          console.log(`  ${title}`)
          const result = yield* attempt
          console.log(`    -> ${result ?? "returned without a result (logged above)"}`)
        })

      yield* step("1. a normal poll (CA + pinned fingerprint + signatures):", poll(pinned))
      yield* step("2. the VTN is unreachable:", poll(pinned, "https://127.0.0.1:1"))

      const expired = yield* Layer.build(vtn(certs.expired, ven.verifying, vtnKey, () => mode))
      yield* step(
        "3. the VTN presents an expired certificate:",
        poll({}, urlOf(Context.get(expired, HttpServer.HttpServer)))
      )

      const rotated = { "127.0.0.1": [Pinning.fingerprint(certs.wrongHost.cert)] }
      yield* step("4. the VTN presents a certificate whose fingerprint is not on record:", poll(rotated))

      mode = "tamper"
      yield* step("5. the VTN's answer was altered after it was signed:", poll(pinned))

      mode = "fail"
      yield* step("6. the VTN reports a failure inside an oadrResponse (HTTP 200):", poll(pinned))

      mode = "ok"
      yield* step("7. a VEN that does not sign: the VTN answers in OpenADR terms:", poll(pinned, url, false))
    })
    await Effect.runPromise(
      program.pipe(
        Effect.provide(vtn(certs.server, ven.verifying, vtnKey, () => mode)),
        Effect.scoped,
        Effect.provide(Logger.layer([compact]))
      )
    )
  } finally {
    certs.cleanup()
  }
}

if (import.meta.main) await run()
