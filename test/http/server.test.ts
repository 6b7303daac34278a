import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { Catalog, Correlation, Fault, Report, Trust } from "effect-faults"
import { CodeMessage, Ec2, Middleware, Problem } from "effect-faults/http"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiError } from "effect/http-api"
import { createServer, request } from "node:http"
import { call } from "./server-support.ts"

const secrets = ["hunter2", "postgres://admin:s3cr3t@db.internal:5432/app", "eyJhbGciOiJIUzI1NiJ9.secret-token"]
const planted = `login failed password=${secrets[0]} db=${secrets[1]} token=${secrets[2]}`
const uuid = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/

const reported: Array<{ hook: string; code: string; source: string | undefined; cause?: unknown }> = []
const Hooks = Report.layer({
  handled: (fault, ctx) => Effect.sync(() => reported.push({ hook: "handled", code: fault.code, source: ctx.source })),
  unhandled: (fault, ctx) =>
    Effect.sync(() => reported.push({ hook: "unhandled", code: fault.code, source: ctx.source, cause: fault.cause }))
})

const Order = Schema.Struct({ amount: Schema.Number, name: Schema.String })

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/ok", HttpServerResponse.jsonUnsafe({ ok: true })),
  HttpRouter.add(
    "GET",
    "/whoami",
    Effect.gen(function*() {
      // let concurrent requests interleave (a real timer: the test's clock is virtual)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))
      return HttpServerResponse.jsonUnsafe({ id: yield* Correlation.CorrelationId })
    })
  ),
  HttpRouter.add("GET", "/orders/:id", Effect.fail(new Fault.NotFound({ resource: "order", id: "42" }))),
  HttpRouter.add("GET", "/limited", Effect.fail(new Fault.RateLimited({ retryAfterMs: 2500 }))),
  HttpRouter.add("GET", "/private", Effect.fail(new Fault.Unauthenticated({ scheme: "Bearer", realm: "orders" }))),
  HttpRouter.add(
    "GET",
    "/internal",
    Effect.fail(new Fault.InternalError({ message: planted, cause: new Error(planted) }))
  ),
  HttpRouter.add(
    "GET",
    "/defect",
    Effect.die(Object.assign(new Error(planted), { stack: `Error: ${planted}\n    at db (${secrets[1]})` }))
  ),
  HttpRouter.add("GET", "/unknown", Effect.fail(new TypeError(planted))),
  HttpRouter.add("GET", "/teapot", Effect.fail(new HttpApiError.Conflict({}))),
  HttpRouter.add(
    "GET",
    "/timeout",
    Effect.fail(new Fault.Timeout({ operation: planted, budget: "overall", afterMs: 10, phase: "MaybeDelivered" }))
  ),
  HttpRouter.add(
    "POST",
    "/orders",
    Effect.gen(function*() {
      const order = yield* HttpServerRequest.schemaBodyJson(Order, { errors: "all" })
      return HttpServerResponse.jsonUnsafe(order)
    })
  ),
  HttpRouter.add(
    "GET",
    "/search",
    Effect.gen(function*() {
      const q = yield* HttpServerRequest.schemaSearchParams(Schema.Struct({ page: Schema.FiniteFromString }))
      return HttpServerResponse.jsonUnsafe(q)
    })
  )
)

const ServerLive = HttpRouter.serve(Layer.mergeAll(Routes, Middleware.layer()), {
  disableListenLog: true,
  disableLogger: true
}).pipe(
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provide(Hooks)
)

const headersOnEveryResponse = (r: { headers: Record<string, string> }, cid?: string) => {
  if (cid === undefined) assert.match(r.headers["x-correlator"]!, uuid)
  else assert.strictEqual(r.headers["x-correlator"], cid)
  assert.match(r.headers["exec-time"]!, /^\d+$/)
}

const trust: Trust.Options = { mode: "trust", catalog: Catalog.builtin, protocol: "http" }
const decodeWith = (
  dialect: { decode: Problem.Body extends never ? never : typeof Problem.dialect.decode },
  r: { status: number; headers: Record<string, string>; body: string }
) => dialect.decode({ status: r.status, headers: r.headers, body: r.body, truncated: false })

layer(ServerLive)("server middleware on a real Node server", (it) => {
  it.effect("success: the correlation id is echoed and exec-time is set", () =>
    Effect.gen(function*() {
      const cid = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
      const r = yield* call("/ok", { headers: { "x-correlator": cid } })
      assert.strictEqual(r.status, 200)
      assert.strictEqual(r.body, `{"ok":true}`)
      headersOnEveryResponse(r, cid)
      // none sent (or an invalid one): a fresh UUID
      headersOnEveryResponse(yield* call("/ok"))
      const bad = yield* call("/ok", { headers: { "x-correlator": "not-a-uuid" } })
      headersOnEveryResponse(bad)
      assert.notStrictEqual(bad.headers["x-correlator"], "not-a-uuid")
    }))

  it.effect("correlation headers as sent on the wire: any case, priority order, repeated ones joined as Node joins them", () =>
    Effect.gen(function*() {
      const { address } = yield* HttpServer.HttpServer
      const port = address._tag === "InetAddressV4" ? address.port : 0
      // node:http sends header names as given (fetch would lower-case them)
      const raw = (headers: ReadonlyArray<readonly [string, string]>) =>
        Effect.promise(() =>
          new Promise<{ readonly cid: string | undefined; readonly body: string }>((resolve, reject) => {
            // a flat [name, value, ...] list keeps each line as written, repeated names included
            // (Node adds no Host line to a list: HTTP/1.1 requires one)
            const lines = [["Host", `127.0.0.1:${port}`], ...headers].flat()
            const req = request({ host: "127.0.0.1", port, path: "/whoami", headers: lines }, (res) => {
              let body = ""
              res.on("data", (chunk) => body += chunk)
              res.on("end", () => resolve({ cid: res.headers["x-correlator"] as string | undefined, body }))
            })
            req.on("error", reject)
            req.end()
          })
        )
      const cid = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
      const upper = yield* raw([["X-Correlator", cid], ["Accept", "application/json"]])
      assert.strictEqual(upper.cid, cid)
      assert.strictEqual(JSON.parse(upper.body).id, cid)
      // x-correlator outranks x-request-id whatever order they come in
      const both = yield* raw([["X-Request-Id", "req-7"], ["x-CORRELATOR", cid]])
      assert.strictEqual(both.cid, cid)
      assert.strictEqual((yield* raw([["X-Request-ID", "req-7"]])).cid, "req-7")
      // two x-request-id lines are one value "a, b" to Node: not a safe id, so a fresh one
      const twice = yield* raw([["X-Request-Id", "a"], ["x-request-id", "b"]])
      assert.match(twice.cid!, uuid)
      assert.strictEqual(JSON.parse(twice.body).id, twice.cid)
    }))

  it.effect("200 concurrent requests with distinct ids: each handler and each response sees its own", () =>
    Effect.gen(function*() {
      const ids = Array.from({ length: 200 }, () => crypto.randomUUID())
      const results = yield* Effect.forEach(ids, (cid) => call("/whoami", { headers: { "x-correlator": cid } }), {
        concurrency: "unbounded"
      })
      const crossTalk = results.filter((r, i) =>
        r.headers["x-correlator"] !== ids[i] || JSON.parse(r.body).id !== ids[i]
      )
      assert.strictEqual(crossTalk.length, 0)
      // and requests without one each get a fresh id, the same in the handler and on the response
      const fresh = yield* Effect.forEach(ids.slice(0, 50), () => call("/whoami"), { concurrency: "unbounded" })
      assert.strictEqual(new Set(fresh.map((r) => r.headers["x-correlator"])).size, 50)
      for (const r of fresh) assert.strictEqual(JSON.parse(r.body).id, r.headers["x-correlator"])
    }))

  it.effect("a typed fault: problem+json by default, decoded back to the same fault in trust mode", () =>
    Effect.gen(function*() {
      const cid = "0b9d8a52-4c8e-4f55-9d37-0c1f7e0a6d11"
      const r = yield* call("/orders/42", { headers: { "x-correlator": cid } })
      assert.strictEqual(r.status, 404)
      assert.strictEqual(r.headers["content-type"], "application/problem+json")
      headersOnEveryResponse(r, cid)
      const body = JSON.parse(r.body)
      assert.strictEqual(body.code, "NotFound")
      assert.strictEqual(body.correlationId, cid)
      const fault = Trust.toFault(decodeWith(Problem.dialect, r)!, trust)
      assert.instanceOf(fault, Fault.NotFound)
      assert.deepInclude(fault as Fault.NotFound, { resource: "order", id: "42", correlationId: cid })
    }))

  it.effect("negotiation by Accept: {code, message} for application/json, EC2 XML for application/xml", () =>
    Effect.gen(function*() {
      const json = yield* call("/orders/42", { headers: { accept: "application/json" } })
      assert.strictEqual(json.headers["content-type"], "application/json")
      assert.deepInclude(JSON.parse(json.body), { code: 404, message: "Not found", reason: "NotFound" })
      assert.instanceOf(Trust.toFault(decodeWith(CodeMessage.dialect, json)!, trust), Fault.NotFound)
      const xml = yield* call("/orders/42", { headers: { accept: "application/xml" } })
      assert.strictEqual(xml.headers["content-type"], "application/xml")
      assert.include(xml.body, "<Code>NotFound</Code>")
      assert.include(xml.body, `<RequestID>${xml.headers["x-correlator"]}</RequestID>`)
      assert.instanceOf(Trust.toFault(decodeWith(Ec2.dialect, xml)!, trust), Fault.NotFound)
      const any = yield* call("/orders/42", { headers: { accept: "text/html, */*;q=0.1" } })
      assert.strictEqual(any.headers["content-type"], "application/problem+json")
    }))

  it.effect("Retry-After for a retry-later fault, WWW-Authenticate on 401", () =>
    Effect.gen(function*() {
      const limited = yield* call("/limited")
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.headers["retry-after"], "3")
      assert.strictEqual(JSON.parse(limited.body).retryAfter, 2.5)
      headersOnEveryResponse(limited)
      const auth = yield* call("/private")
      assert.strictEqual(auth.status, 401)
      assert.strictEqual(auth.headers["www-authenticate"], `Bearer realm="orders"`)
    }))

  it.effect("request schema failures become an outbound SchemaViolation: 400 with field violations", () =>
    Effect.gen(function*() {
      const r = yield* call("/orders", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ amount: "ten" })
      })
      assert.strictEqual(r.status, 400)
      headersOnEveryResponse(r)
      const body = JSON.parse(r.body)
      assert.strictEqual(body.code, "SchemaViolation")
      assert.deepStrictEqual(body.violations.map((v: { field: string }) => v.field).sort(), ["amount", "name"])
      const q = yield* call("/search?page=abc")
      assert.strictEqual(q.status, 400)
      assert.strictEqual(JSON.parse(q.body).violations[0].field, "page")
      const fault = Trust.toFault(decodeWith(Problem.dialect, r)!, trust)
      assert.instanceOf(fault, Fault.SchemaViolation)
      assert.strictEqual((fault as Fault.SchemaViolation).direction, "outbound")
    }))

  it.effect("internal faults, unknown errors and defects: 500 redacted, nothing planted leaks, reported unhandled with the cause", () =>
    Effect.gen(function*() {
      reported.length = 0
      for (const path of ["/internal", "/defect", "/unknown", "/timeout"]) {
        for (const accept of ["application/problem+json", "application/json", "application/xml"]) {
          const r = yield* call(path, { headers: { accept } })
          assert.include([500, 504], r.status, path)
          headersOnEveryResponse(r)
          const wire = JSON.stringify(r.headers) + r.body
          for (const s of secrets) assert.notInclude(wire, s, `${path} ${accept}`)
          assert.include(r.body, path === "/timeout" ? "Timeout" : "InternalError")
        }
      }
      const unhandled = reported.filter((r) => r.hook === "unhandled")
      assert.strictEqual(unhandled.length, 9) // internal, defect, unknown × 3 dialects
      assert.isTrue(unhandled.every((r) => r.code === "InternalError" && r.source === "http"))
      assert.isTrue(unhandled.some((r) => r.cause instanceof TypeError && r.cause.message === planted))
      assert.strictEqual(reported.filter((r) => r.hook === "handled" && r.code === "Timeout").length, 3)
    }))

  it.effect("a non-fault error that renders itself (HttpApiError.Conflict) keeps its response, gets the headers, is reported", () =>
    Effect.gen(function*() {
      reported.length = 0
      const r = yield* call("/teapot")
      assert.strictEqual(r.status, 409)
      assert.strictEqual(r.body, "")
      headersOnEveryResponse(r)
      assert.deepStrictEqual(reported.map((x) => `${x.hook} ${x.code}`), ["handled BadStatus"])
    }))

  it.effect("a route miss is NotFound (404) in the negotiated dialect, reported as handled", () =>
    Effect.gen(function*() {
      reported.length = 0
      const r = yield* call("/nowhere?token=abc", { headers: { accept: "application/json" } })
      assert.strictEqual(r.status, 404)
      headersOnEveryResponse(r)
      assert.deepInclude(JSON.parse(r.body), { code: 404, reason: "NotFound" })
      assert.notInclude(r.body, "token=abc")
      assert.deepStrictEqual(reported.map((x) => `${x.hook} ${x.code}`), ["handled NotFound"])
    }))
})

describe("a request modified before the middleware", () => {
  it.effect("its replaced headers are the ones read, not the wire's", () =>
    Effect.gen(function*() {
      const replaced = "9b2e7c1a-2f4d-4e8b-a1c3-5d6e7f8a9b0c"
      // registered first: the outermost global middleware, so ours runs inside it
      const Rewrite = HttpRouter.middleware((effect) =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (req) =>
          Effect.provideService(
            effect,
            HttpServerRequest.HttpServerRequest,
            req.modify({ headers: { ...req.headers, "x-correlator": replaced } })
          )), { global: true })
      const Live = HttpRouter.serve(Layer.mergeAll(Rewrite, Routes, Middleware.layer()), {
        disableListenLog: true,
        disableLogger: true
      }).pipe(
        Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
        Layer.provide(Hooks)
      )
      const r = yield* call("/whoami", { headers: { "x-correlator": "3fa85f64-5717-4562-b3fc-2c963f66afa6" } }).pipe(
        Effect.provide(Live)
      )
      assert.strictEqual(r.headers["x-correlator"], replaced)
      assert.strictEqual(JSON.parse(r.body).id, replaced)
    }))
})

describe("middleware options", () => {
  // A user's own dialect through the small interface: plain text, one line.
  const plain: Middleware.Writer = {
    name: "plain",
    contentType: "text/plain",
    accepts: (media) => media === "text/plain",
    encode: (view) => ({
      status: view.status,
      contentType: "text/plain",
      body: `${view.code}: ${view.message}`,
      headers: { "x-fault-code": view.code }
    }),
    decode: (incoming) => {
      const m = /^([A-Za-z.]+): (.*)$/s.exec(incoming.body)
      return m === null ? undefined : { code: m[1]!, message: m[2]!, status: incoming.status }
    }
  }
  const CustomLive = HttpRouter.serve(
    Layer.mergeAll(
      HttpRouter.add("GET", "/nf", Effect.fail(new Fault.NotFound({ resource: "order", id: "7" }))),
      // a route that answers its own failure with the middleware's renderer
      HttpRouter.add(
        "GET",
        "/self",
        Effect.fail(new Fault.Conflict({ reason: "locked" })).pipe(
          Effect.catchCause(Middleware.fromCause({ dialects: [plain] }))
        )
      ),
      Middleware.layer({ dialects: [Problem.dialect, plain] })
    ),
    { disableListenLog: true, disableLogger: true }
  ).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
    Layer.provide(Report.layer(Report.silent))
  )

  it.effect("a user's own dialect is chosen by Accept, writes its body and headers, and reads them back", () =>
    Effect.gen(function*() {
      const r = yield* call("/nf", { headers: { accept: "text/plain" } })
      assert.strictEqual(r.status, 404)
      assert.strictEqual(r.headers["content-type"], "text/plain")
      assert.strictEqual(r.headers["x-fault-code"], "NotFound")
      assert.strictEqual(r.body, "NotFound: order '7' not found")
      headersOnEveryResponse(r)
      const back = Trust.toFault(
        plain.decode({ status: r.status, headers: r.headers, body: r.body, truncated: false })!,
        trust
      )
      assert.instanceOf(back, Fault.NotFound)
      const self = yield* call("/self")
      assert.strictEqual(self.status, 409)
      assert.strictEqual(self.body, "Conflict: request conflicts: locked")
    }).pipe(Effect.provide(CustomLive)))

  const GatewayLive = HttpRouter.serve(
    Layer.mergeAll(
      HttpRouter.add(
        "GET",
        "/device",
        Effect.fail(new Fault.Unreachable({ host: "device-1", reason: "ECONNREFUSED" }))
      ),
      Middleware.layer({
        dialects: [CodeMessage.make({ details: false })],
        catalog: Catalog.gateway,
        execTimeHeader: "x-exec-ms"
      })
    ),
    { disableListenLog: true, disableLogger: true }
  ).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
    Layer.provide(Report.layer(Report.silent))
  )

  it.effect("one dialect, a gateway catalog: Unreachable answers 532 with the guide's fixed message", () =>
    Effect.gen(function*() {
      const r = yield* call("/device", { headers: { accept: "application/xml" } })
      assert.strictEqual(r.status, 532)
      assert.deepStrictEqual(JSON.parse(r.body), { code: 532, message: "Bad Gateway. Upstream server not responding." })
      assert.match(r.headers["x-exec-ms"]!, /^\d+$/)
    }).pipe(Effect.provide(GatewayLive)))
})
