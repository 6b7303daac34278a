import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { ByteSize, Context, Effect, Layer, Schema, Stream } from "effect"
import { Catalog, Fault, Report, Trust } from "effect-faults"
import { Middleware, Problem } from "effect-faults/http"
import {
  HttpIncomingMessage,
  HttpMiddleware,
  HttpRouter,
  HttpServer,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "effect/http"
import { createServer } from "node:http"
import { gzipSync } from "node:zlib"
import { classify } from "../../src/http/internal/classify.ts"
import { call } from "./server-support.ts"

// Request bodies the app cannot read: not JSON at all (400 `NotWellFormed`), or larger than the
// server accepts (413 `ContentTooLarge`). The middleware must answer them as the client's fault,
// never as a 500.

const uuid = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/
const maxBody = 1024
const smallLimit = 64

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
  ),
  // a route with a smaller limit of its own
  HttpRouter.add(
    "POST",
    "/small",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      return HttpServerResponse.jsonUnsafe({ got: yield* request.json })
    }).pipe(Effect.provideService(HttpServerRequest.MaxBodySize, ByteSize.bytes(smallLimit)))
  ),
  // a multipart upload, read part by part
  HttpRouter.add(
    "POST",
    "/upload",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const parts = yield* Stream.runCount(request.multipartStream)
      return HttpServerResponse.jsonUnsafe({ parts })
    })
  ),
  // gzip bodies, decompressed by Effect's middleware up to the fiber's MaxBodySize
  HttpRouter.add(
    "POST",
    "/gzip",
    HttpMiddleware.decompression()(Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      return HttpServerResponse.jsonUnsafe({ got: yield* request.json })
    }))
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

  // RFC 9110 §15.5.14: a body over the server's limit is 413 Content Too Large, the client's fault
  it.effect("a body over the server's MaxBodySize: 413 ContentTooLarge with the limit, correlated, nothing echoed", () =>
    Effect.gen(function*() {
      for (const path of ["/orders", "/raw"]) {
        reported.length = 0
        const cid = "0b7e2c1a-9d4f-4e6a-8b3c-5f1e2d3c4b5a"
        const big = JSON.stringify({ amount: 1, name: "secret-" + "x".repeat(maxBody * 4) })
        const r = yield* post(path, big, { "x-correlator": cid })
        assert.strictEqual(r.status, 413, path)
        assert.strictEqual(r.headers["content-type"], "application/problem+json", path)
        assert.strictEqual(r.headers["x-correlator"], cid, path)
        const body = JSON.parse(r.body)
        assert.deepInclude(body, {
          type: "urn:fault:ContentTooLarge",
          title: "Content too large",
          status: 413,
          code: "ContentTooLarge",
          detail: `request body exceeds the limit of ${maxBody} bytes`,
          correlationId: cid,
          expected: "FixRequest"
        }, path)
        assert.deepStrictEqual(body.fields, { direction: "outbound", limitBytes: maxBody }, path)
        assert.notInclude(r.body, "secret-", path)
        assert.notInclude(r.body, "xxxx", path)
        assert.isBelow(r.body.length, 1000, path)
        // the client's fault: an answer, not an incident
        assert.deepStrictEqual(reported, ["handled ContentTooLarge"], path)
        const back = Trust.toFault(
          Problem.dialect.decode({ status: r.status, headers: r.headers, body: r.body, truncated: false })!,
          trust
        )
        assert.instanceOf(back, Fault.ContentTooLarge)
        assert.strictEqual(back.origin, "remote")
        assert.strictEqual(back.correlationId, cid)
        assert.deepStrictEqual(
          [(back as Fault.ContentTooLarge).direction, (back as Fault.ContentTooLarge).limitBytes, back.status],
          ["outbound", maxBody, 413]
        )
      }
      // without a correlator: a fresh one, on the header and in the body alike
      const fresh = yield* post("/raw", "[" + "1,".repeat(maxBody) + "1]")
      assert.strictEqual(fresh.status, 413)
      assert.match(fresh.headers["x-correlator"]!, uuid)
      assert.strictEqual(JSON.parse(fresh.body).correlationId, fresh.headers["x-correlator"])
    }))

  it.effect("a gzip body that decompresses past the limit: 413 with the fiber's MaxBodySize (the error names none)", () =>
    Effect.gen(function*() {
      const { address } = yield* HttpServer.HttpServer
      const url = `http://127.0.0.1:${address._tag === "InetAddressV4" ? address.port : 0}/gzip`
      const send = (json: string) =>
        Effect.promise(async () => {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", "content-encoding": "gzip" },
            body: gzipSync(json)
          })
          return { status: res.status, body: await res.text() }
        })
      const bomb = JSON.stringify({ pad: "z".repeat(maxBody * 8) })
      assert.isBelow(gzipSync(bomb).length, maxBody) // only the decompressed body is over the limit
      const r = yield* send(bomb)
      assert.strictEqual(r.status, 413)
      assert.deepInclude(JSON.parse(r.body), {
        code: "ContentTooLarge",
        fields: { direction: "outbound", limitBytes: maxBody }
      })
      assert.strictEqual((yield* send(JSON.stringify({ pad: "ok" }))).status, 200)
    }))

  it.effect("a multipart body over the limit: 413 ContentTooLarge too, not the platform's empty 413", () =>
    Effect.gen(function*() {
      reported.length = 0
      const form = new FormData()
      form.append("note", "z".repeat(maxBody * 4))
      const r = yield* call("/upload", {
        method: "POST",
        body: form,
        headers: { "x-correlator": "5c1d8e2a-3b4f-4a6c-9d7e-1f2a3b4c5d6e" }
      })
      assert.strictEqual(r.status, 413)
      assert.strictEqual(r.headers["content-type"], "application/problem+json")
      assert.deepInclude(JSON.parse(r.body), { code: "ContentTooLarge", status: 413 })
      assert.deepStrictEqual(reported, ["handled ContentTooLarge"])
      const small = new FormData()
      small.append("note", "fits")
      const ok = yield* call("/upload", { method: "POST", body: small })
      assert.deepStrictEqual([ok.status, JSON.parse(ok.body)], [200, { parts: 1 }])
    }))

  it.effect("a route's own, smaller limit is the one reported", () =>
    Effect.gen(function*() {
      const r = yield* post("/small", JSON.stringify({ pad: "y".repeat(100) }))
      assert.strictEqual(r.status, 413)
      assert.deepStrictEqual(JSON.parse(r.body).fields, { direction: "outbound", limitBytes: smallLimit })
      const ok = yield* post("/small", "[1]")
      assert.strictEqual(ok.status, 200)
    }))
})

describe("the limit a too-large body is reported with", () => {
  const tooLarge = (cause?: unknown) =>
    new HttpServerError.HttpServerError({
      reason: new HttpServerError.RequestParseError({
        request: HttpServerRequest.fromWeb(new Request("http://127.0.0.1/orders", { method: "POST" })),
        reason: "BodyTooLarge",
        cause
      })
    })
  const limitOf = (failure: unknown, context?: Context.Context<never>) => {
    const classified = classify(failure, context)!
    assert.instanceOf(classified.fault, Fault.ContentTooLarge)
    assert.isFalse(classified.unhandled)
    return (classified.fault as Fault.ContentTooLarge).limitBytes
  }
  const configured = Context.make(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(2048)) as Context.Context<never>

  it("the one the platform applied when its error carries it, else the fiber's MaxBodySize, else none", () => {
    // Node's MaxBytesError names the limit it enforced: it wins over the configured one
    assert.strictEqual(
      limitOf(tooLarge(Object.assign(new Error("maxBytes exceeded"), { maxBytes: 64 })), configured),
      64
    )
    assert.strictEqual(limitOf(tooLarge(new Error("Request body exceeds 2048 bytes")), configured), 2048)
    assert.strictEqual(limitOf(tooLarge(), configured), 2048)
    assert.isUndefined(limitOf(tooLarge()))
    assert.isUndefined(limitOf(tooLarge(), Context.empty()))
  })
})
