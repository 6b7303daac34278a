import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { Exposure, Fault, Report } from "effect-faults"
import { HttpApi, Middleware } from "effect-faults/http"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import { HttpApi as EffectHttpApi, HttpApiBuilder, HttpApiClient, HttpApiEndpoint, HttpApiGroup } from "effect/http-api"
import { createServer } from "node:http"
import { call } from "./server-support.ts"

// A fault declared as an HttpApi endpoint error is encoded by `HttpApi.error`'s schema, not by the
// middleware: that encoder must read the same exposure settings (`Exposure.CurrentConfig`) as the
// middleware, redact a non-public 5xx fault, and only send traces when they are switched on.

const secrets = ["hunter2", "postgres://admin:s3cr3t@db.internal:5432/app", "eyJhbGciOiJIUzI1NiJ9.secret-token"]
const planted = `login failed password=${secrets[0]} db=${secrets[1]} token=${secrets[2]}`
const uuid = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/

class Ops extends HttpApiGroup.make("ops").add(
  HttpApiEndpoint.get("unreachable", "/unreachable", {
    success: Schema.String,
    error: HttpApi.error(Fault.Unreachable)
  }),
  HttpApiEndpoint.get("internal", "/internal", {
    success: Schema.String,
    error: HttpApi.error(Fault.InternalError)
  }),
  HttpApiEndpoint.get("unavailable", "/unavailable", {
    success: Schema.String,
    error: HttpApi.error(Fault.Unavailable)
  }),
  HttpApiEndpoint.get("private", "/private", {
    success: Schema.String,
    error: HttpApi.error(Fault.Unauthenticated)
  }),
  // not declared: a defect goes to the middleware
  HttpApiEndpoint.get("crash", "/crash", { success: Schema.String })
) {}
class Api extends EffectHttpApi.make("ops").add(Ops) {}

const OpsLive = HttpApiBuilder.group(Api, "ops", (h) =>
  h
    .handle("unreachable", () => Effect.fail(new Fault.Unreachable({ host: secrets[1], reason: planted })))
    .handle("internal", () => Effect.fail(new Fault.InternalError({ message: planted, cause: new Error(planted) })))
    .handle("unavailable", () => Effect.fail(new Fault.Unavailable({ reason: "maintenance", retryAfterMs: 3000 })))
    .handle("private", () => Effect.fail(new Fault.Unauthenticated({ realm: "ops" })))
    .handle("crash", () => Effect.die(new Error(planted))))

// which renderer answered: the HttpApi encoder reports `handled` under source "http-api", the
// middleware under "http"
const reported: Array<string> = []
const Hooks = Report.layer({
  handled: (fault, ctx) => Effect.sync(() => reported.push(`handled ${ctx.source} ${fault.code}`)),
  unhandled: (fault, ctx) => Effect.sync(() => reported.push(`unhandled ${ctx.source} ${fault.code}`))
})

const serverWith = (exposure: Layer.Layer<never>) =>
  HttpRouter.serve(Layer.mergeAll(HttpApiBuilder.layer(Api).pipe(Layer.provide(OpsLive)), Middleware.layer()), {
    disableListenLog: true,
    disableLogger: true
  }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
    Layer.provide([Hooks, exposure])
  )

const noSecrets = (r: { headers: Record<string, string>; body: string }, label: string) => {
  const wire = JSON.stringify(r.headers) + r.body
  for (const s of secrets) assert.notInclude(wire, s, label)
}

describe("HttpApi-declared faults under the exposure settings", () => {
  it.effect("by default: a non-public 5xx is redacted to its catalogued title, no fields, no trace, no secret", () =>
    Effect.gen(function*() {
      reported.length = 0
      const r = yield* call("/unreachable")
      assert.strictEqual(r.status, 502)
      assert.strictEqual(r.headers["content-type"], "application/problem+json")
      assert.match(r.headers["x-correlator"]!, uuid)
      assert.match(r.headers["exec-time"]!, /^\d+$/)
      const body = JSON.parse(r.body)
      // the declared code stays (the client declared it); only the message and fields are withheld
      assert.deepStrictEqual(body, {
        type: "urn:fault:Unreachable",
        title: "Host unreachable",
        status: 502,
        detail: "Host unreachable",
        instance: `urn:uuid:${r.headers["x-correlator"]}`,
        code: "Unreachable",
        correlationId: r.headers["x-correlator"],
        expected: "ReconnectAndRetry"
      })
      noSecrets(r, "/unreachable")

      const internal = yield* call("/internal")
      assert.strictEqual(internal.status, 500)
      const ib = JSON.parse(internal.body)
      assert.deepInclude(ib, { code: "InternalError", detail: "Internal error", status: 500 })
      assert.isUndefined(ib.trace)
      assert.isUndefined(ib.fields)
      noSecrets(internal, "/internal")

      // a public 5xx keeps its message and fields: redaction is by exposure, not by status alone
      const unavailable = yield* call("/unavailable")
      assert.strictEqual(unavailable.status, 503)
      assert.deepInclude(JSON.parse(unavailable.body), {
        code: "Unavailable",
        detail: "service unavailable (maintenance)",
        fields: { reason: "maintenance" },
        retryAfter: 3
      })
      // HttpApi writes the response from the body alone: the header comes from the middleware
      assert.strictEqual(unavailable.headers["retry-after"], "3")
      assert.isUndefined(r.headers["retry-after"])
      const auth = yield* call("/private")
      assert.strictEqual(auth.status, 401)
      assert.strictEqual(auth.headers["www-authenticate"], `Bearer realm="ops"`)
      assert.strictEqual(JSON.parse(auth.body).code, "Unauthenticated")

      // the undeclared defect goes through the middleware: redacted too
      const crash = yield* call("/crash")
      assert.strictEqual(crash.status, 500)
      assert.deepInclude(JSON.parse(crash.body), { code: "InternalError", detail: "Internal error" })
      noSecrets(crash, "/crash")
      assert.deepStrictEqual(reported, [
        "handled http-api Unreachable",
        "handled http-api InternalError",
        "handled http-api Unavailable",
        "handled http-api Unauthenticated",
        "unhandled http InternalError"
      ])

      // as documented, the typed client cannot rebuild a redacted fault (its required fields are
      // withheld): it gets a status error, and nothing of the original
      const client = yield* HttpApiClient.make(Api, {
        baseUrl: HttpServer.formatAddress((yield* HttpServer.HttpServer).address)
      })
      const e = yield* Effect.flip(client.ops.unreachable())
      assert.notInstanceOf(e, Fault.Unreachable)
      assert.strictEqual(e._tag, "HttpClientError")
      for (const s of secrets) assert.notInclude(JSON.stringify(e), s)
      // a public fault still comes back whole
      const u = yield* Effect.flip(client.ops.unavailable())
      assert.instanceOf(u, Fault.Unavailable)
      assert.strictEqual((u as Fault.Unavailable).reason, "maintenance")
    }).pipe(Effect.provide([serverWith(Layer.empty), FetchHttpClient.layer])))

  it.effect("Exposure.layerConfig({ unsafeTracebacks, maxTraceBytes }) reaches the HttpApi encoder: a truncated trace goes out", () =>
    Effect.gen(function*() {
      reported.length = 0
      const r = yield* call("/internal")
      assert.strictEqual(r.status, 500)
      const body = JSON.parse(r.body)
      // the message is still withheld; the trace is what the setting sends (and it is unsafe: it
      // carries the fault's message, which is why it is off by default)
      assert.deepInclude(body, { code: "InternalError", detail: "Internal error" })
      assert.isString(body.trace)
      assert.isTrue(body.trace.startsWith(`InternalError: login failed password=`), body.trace)
      assert.include(body.trace, "bytes, truncated")
      assert.isAtMost(Buffer.byteLength(body.trace, "utf8"), 160)

      const unreachable = JSON.parse((yield* call("/unreachable")).body)
      assert.strictEqual(unreachable.detail, "Host unreachable")
      assert.isUndefined(unreachable.fields)
      assert.isTrue(unreachable.trace.startsWith("Unreachable: "), unreachable.trace)

      // the middleware, on the same server, reads the same settings: the defect's trace goes out too
      const crash = JSON.parse((yield* call("/crash")).body)
      assert.deepInclude(crash, { code: "InternalError", detail: "Internal error" })
      assert.isTrue(crash.trace.startsWith("Error: login failed"), crash.trace)
      assert.isAtMost(Buffer.byteLength(crash.trace, "utf8"), 160)
      assert.deepStrictEqual(reported, [
        "handled http-api InternalError",
        "handled http-api Unreachable",
        "unhandled http InternalError"
      ])
    }).pipe(
      Effect.provide(
        serverWith(Exposure.layerConfig({ unsafeTracebacks: true, maxTraceBytes: 160 }))
      )
    ))

  it.effect("without the middleware, HttpApi still writes the headers a declared fault implies", () =>
    Effect.gen(function*() {
      const r = yield* call("/unavailable")
      assert.strictEqual(r.status, 503)
      assert.strictEqual(r.headers["retry-after"], "3")
      assert.isUndefined(r.headers["x-correlator"])
      const auth = yield* call("/private")
      assert.strictEqual(auth.status, 401)
      assert.strictEqual(auth.headers["www-authenticate"], `Bearer realm="ops"`)
    }).pipe(
      Effect.provide(
        HttpRouter.serve(HttpApiBuilder.layer(Api).pipe(Layer.provide(OpsLive)), {
          disableListenLog: true,
          disableLogger: true
        }).pipe(
          Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
          Layer.provide(Hooks)
        )
      )
    ))
})
