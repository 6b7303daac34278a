import { NodeHttpServer } from "@effect/platform-node"
import { assert, layer } from "@effect/vitest"
import { ByteSize, Effect, Layer, Schema } from "effect"
import { Catalog, Fault, Report, Trust } from "effect-faults"
import { Middleware, Problem } from "effect-faults/http"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"

// Request bodies the app cannot read: not JSON at all, or larger than the server accepts. The
// middleware must answer them as the client's fault (4xx, `NotWellFormed`), never as a 500.

const uuid = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/
const maxBody = 1024

const reported: Array<string> = []
const Hooks = Report.layer({
  handled: (fault) => Effect.sync(() => reported.push(`handled ${fault.code}`)),
  unhandled: (fault) => Effect.sync(() => reported.push(`unhandled ${fault.code}`))
})

const Order = Schema.Struct({ amount: Schema.Number, name: Schema.String })

const Routes = Layer.mergeAll(
  // through the schema helper
  HttpRouter.add(
    "POST",
    "/orders",
    Effect.gen(function*() {
      const order = yield* HttpServerRequest.schemaBodyJson(Order)
      return HttpServerResponse.jsonUnsafe(order)
    })
  ),
  // through the request's own json accessor
  HttpRouter.add(
    "POST",
    "/raw",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      return HttpServerResponse.jsonUnsafe({ got: yield* request.json })
    })
  )
)

// the server's body limit: `HttpIncomingMessage.MaxBodySize` (unset by default = no limit)
const ServerLive = HttpRouter.serve(Layer.mergeAll(Routes, Middleware.layer()), {
  disableListenLog: true,
  disableLogger: true
}).pipe(
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provide([Hooks, Layer.succeed(HttpServerRequest.MaxBodySize, ByteSize.bytes(maxBody))])
)

const call = (path: string, init?: RequestInit) =>
  Effect.gen(function*() {
    const { address } = yield* HttpServer.HttpServer
    assert.strictEqual(address._tag, "InetAddressV4")
    const url = `http://127.0.0.1:${address._tag === "InetAddressV4" ? address.port : 0}${path}`
    const res = yield* Effect.promise(() => fetch(url, init))
    const body = yield* Effect.promise(() => res.text())
    return { status: res.status, headers: Object.fromEntries(res.headers), body }
  })

const post = (path: string, body: string, headers?: Record<string, string>) =>
  call(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body })

const trust: Trust.Options = { mode: "trust", catalog: Catalog.builtin, protocol: "http" }

layer(ServerLive)("request bodies the server cannot read", (it) => {
  it.effect("a body that is not JSON: 400 NotWellFormed in problem+json, correlated, never a 500", () =>
    Effect.gen(function*() {
      const garbage = `{"amount": 10, "name": "x" oops-secret-token`
      for (const path of ["/orders", "/raw"]) {
        reported.length = 0
        const cid = "6a1f5c7e-2b3d-4e8f-9a0b-1c2d3e4f5a6b"
        const r = yield* post(path, garbage, { "x-correlator": cid })
        assert.strictEqual(r.status, 400, path)
        assert.strictEqual(r.headers["content-type"], "application/problem+json", path)
        assert.strictEqual(r.headers["x-correlator"], cid, path)
        assert.match(r.headers["exec-time"]!, /^\d+$/)
        const body = JSON.parse(r.body)
        assert.deepInclude(body, {
          type: "urn:fault:NotWellFormed",
          status: 400,
          code: "NotWellFormed",
          detail: "request is not well-formed http",
          correlationId: cid,
          expected: "FixRequest"
        }, path)
        assert.deepStrictEqual(body.fields, {
          format: "http",
          direction: "outbound",
          reason: "request could not be parsed"
        }, path)
        // neither the body nor the JSON parser's message is echoed back
        assert.notInclude(r.body, "oops-secret-token", path)
        assert.notInclude(r.body, "Unexpected", path)
        assert.notInclude(r.body, "JSON at position", path)
        // the client's fault: an answer, not an incident
        assert.deepStrictEqual(reported, ["handled NotWellFormed"], path)
        const back = Trust.toFault(
          Problem.dialect.decode({ status: r.status, headers: r.headers, body: r.body, truncated: false })!,
          trust
        )
        assert.instanceOf(back, Fault.NotWellFormed)
        assert.strictEqual((back as Fault.NotWellFormed).direction, "outbound")
      }
      // without a correlator: a fresh one, on the header and in the body alike
      const fresh = yield* post("/orders", "not json at all")
      assert.strictEqual(fresh.status, 400)
      assert.match(fresh.headers["x-correlator"]!, uuid)
      assert.strictEqual(JSON.parse(fresh.body).correlationId, fresh.headers["x-correlator"])
      // in the {code, message} dialect too
      const json = yield* post("/raw", "[1, 2", { accept: "application/json" })
      assert.strictEqual(json.status, 400)
      assert.strictEqual(json.headers["content-type"], "application/json")
      assert.deepInclude(JSON.parse(json.body), { code: 400, reason: "NotWellFormed" })
    }))

  it.effect("well-formed JSON within the limit is read (the failures above are the body's, not the route's)", () =>
    Effect.gen(function*() {
      const ok = yield* post("/orders", JSON.stringify({ amount: 10, name: "x" }))
      assert.strictEqual(ok.status, 200)
      assert.deepStrictEqual(JSON.parse(ok.body), { amount: 10, name: "x" })
      const raw = yield* post("/raw", JSON.stringify({ pad: "a".repeat(maxBody - 20) }))
      assert.strictEqual(raw.status, 200)
      assert.strictEqual(JSON.parse(raw.body).got.pad.length, maxBody - 20)
    }))

  // Effect's own `RequestParseError` renders `BodyTooLarge` as 413; the middleware classifies it as
  // `NotWellFormed` (outbound, 400) with the reason "body too large" — no built-in fault has 413.
  it.effect("a body over the server's MaxBodySize: 400 NotWellFormed 'body too large', not a 500, nothing echoed", () =>
    Effect.gen(function*() {
      for (const path of ["/orders", "/raw"]) {
        reported.length = 0
        const big = JSON.stringify({ amount: 1, name: "secret-" + "x".repeat(maxBody * 4) })
        const r = yield* post(path, big)
        assert.strictEqual(r.status, 400, path)
        assert.strictEqual(r.headers["content-type"], "application/problem+json", path)
        assert.match(r.headers["x-correlator"]!, uuid)
        const body = JSON.parse(r.body)
        assert.strictEqual(body.code, "NotWellFormed", path)
        assert.deepStrictEqual(body.fields, { format: "http", direction: "outbound", reason: "body too large" }, path)
        assert.strictEqual(body.correlationId, r.headers["x-correlator"])
        assert.notInclude(r.body, "secret-", path)
        assert.isBelow(r.body.length, 1000, path)
        assert.deepStrictEqual(reported, ["handled NotWellFormed"], path)
      }
    }))
})
