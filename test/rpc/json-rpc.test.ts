import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ByteSize, Context, Effect, Layer, Result, Schema } from "effect"
import { FetchHttpClient, HttpIncomingMessage, HttpRouter, HttpServer } from "effect/http"
import { JSONRPCClient, JSONRPCErrorException, JSONRPCServer } from "json-rpc-2.0"
import { createServer } from "node:http"
import { Catalog, Correlation, Exposure, Fault, Trust } from "../../src/index.ts"
import { CopiedFailure, Failures, JsonRpc } from "../../src/rpc/index.ts"
import { closedPort, quiet, samples, secret } from "./effect-rpc-fixtures.ts"

// The server's contract and the (older, looser / stricter) one the client was built against.
const ServerGet = JsonRpc.method("get", {
  params: Schema.Struct({ id: Schema.String.check(Schema.isPattern(/^r-[a-z0-9]+$/)) }),
  result: Schema.Struct({ id: Schema.String, value: Schema.String })
})
const ClientGet = JsonRpc.method("get", {
  params: Schema.Struct({ id: Schema.String.check(Schema.isMinLength(1)) }),
  result: Schema.Struct({ id: Schema.String, value: Schema.String.check(Schema.isMaxLength(20)) })
})
const Fail = JsonRpc.method("fail", { params: Schema.Struct({ index: Schema.Number }), result: Schema.Null })

const handlers = [
  JsonRpc.implement(ServerGet, ({ id }) =>
    id === "r-404"
      ? Effect.fail(new Fault.NotFound({ resource: "record", id }))
      : id === "r-die"
      ? Effect.die(new Error(`connect failed: ${secret}`))
      : id === "r-broken"
      ? Effect.succeed({ id, value: 42 as unknown as string })
      : id === "r-long"
      ? Effect.succeed({ id, value: "x".repeat(50) })
      : Effect.succeed({ id, value: `value of ${id}` })),
  JsonRpc.implement(Fail, ({ index }) => Effect.fail(samples[index]!))
]

const leaks = (text: string) => /s3cr3t|tok_LIVE|admin:/.test(text)
const faultText = (f: Fault.Fault) =>
  JSON.stringify(f) + String(f.message) + String(f.stack) + JSON.stringify((f as Fault.RemoteFault).failure ?? null)

/** Our JSON-RPC server on 127.0.0.1 port 0 (scoped), with a request body limit if given; returns its URL. */
const startOursWith = (maxBodyBytes?: number) =>
  Effect.gen(function*() {
    const ServerLive = HttpRouter.serve(JsonRpc.layerHttp({ path: "/rpc", handlers }), {
      disableListenLog: true,
      disableLogger: true
    }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
      Layer.provide(quiet),
      Layer.provide(
        maxBodyBytes === undefined
          ? Layer.empty
          : Layer.succeed(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBodyBytes))
      )
    )
    const context = yield* Layer.build(ServerLive)
    return `${HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address)}/rpc`
  })
const startOurs = startOursWith()

/** The json-rpc-2.0 package's JSONRPCServer behind a Node http server (scoped); returns its URL. */
const startTheirs = (configure: (server: JSONRPCServer) => void) =>
  Effect.gen(function*() {
    const rpc = new JSONRPCServer({ errorListener: () => {} })
    configure(rpc)
    const http = createServer((req, res) => {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        void rpc.receiveJSON(body).then((reply) => {
          if (reply === null) {
            res.writeHead(204).end()
          } else {
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply))
          }
        })
      })
    })
    yield* Effect.acquireRelease(
      Effect.callback<void>((resume) => {
        void http.listen(0, "127.0.0.1", () => resume(Effect.void))
      }),
      () => Effect.callback<void>((resume) => void http.close(() => resume(Effect.void)))
    )
    return `http://127.0.0.1:${(http.address() as { port: number }).port}/rpc`
  })

const ourClient = (url: string, mode: "trust" | "distrust" = "distrust") =>
  JsonRpc.makeClient({ url, mode }).pipe(Effect.provide(FetchHttpClient.layer))

const flipFault = <A>(effect: Effect.Effect<A, Fault.Fault>) => Effect.flip(effect)

describe("JSON-RPC: fault ↔ error object", () => {
  it("a public fault keeps its code, message and fields; an internal one is redacted", () => {
    const nf = JsonRpc.fromFault(new Fault.NotFound({ resource: "record", id: "7" }))
    assert.strictEqual(nf.code, -32001)
    assert.strictEqual(nf.message, "record '7' not found")
    assert.deepInclude(nf.data as object, { code: "NotFound", status: 404, fields: { resource: "record", id: "7" } })
    const internal = JsonRpc.fromFault(new Fault.InternalError({ message: secret, cause: new Error(secret) }))
    assert.strictEqual(internal.code, -32603)
    assert.strictEqual(internal.message, "Internal error")
    assert.isFalse(leaks(JSON.stringify(internal)))
    const defect = JsonRpc.fromFault(new TypeError(secret))
    assert.strictEqual(defect.code, -32603)
    assert.isFalse(leaks(JSON.stringify(defect)))
  })

  it("reserved codes: invalid params carry the field violations; the server range is -32000..-32099", () => {
    const v = JsonRpc.fromFault(
      new Fault.SchemaViolation({ direction: "outbound", violations: [{ field: "id", message: "Expected string" }] })
    )
    assert.strictEqual(v.code, JsonRpc.codes.InvalidParams)
    assert.deepStrictEqual((v.data as any).violations, [{ field: "id", message: "Expected string" }])
    assert.strictEqual(
      JsonRpc.fromFault(new Fault.InvalidFieldValue({ field: "a", expectedValue: "b", receivedValue: "c" })).code,
      -32602
    )
    for (const sample of samples) {
      const code = JsonRpc.fromFault(sample).code
      assert.isTrue(
        code === -32602 || code === -32603 || code === -32700 || (code <= -32000 && code >= -32099),
        `${sample._tag}: ${code}`
      )
    }
  })

  it("ContentTooLarge: -32012 for a request over the limit, -32009 (upstream protocol) for an answer too large", () => {
    const request = JsonRpc.fromFault(new Fault.ContentTooLarge({ direction: "outbound", limitBytes: 1024 }))
    assert.strictEqual(request.code, -32012)
    assert.strictEqual(request.code, JsonRpc.codes.byFault["ContentTooLarge"])
    assert.strictEqual(request.message, "request body exceeds the limit of 1024 bytes")
    assert.deepInclude(request.data as object, {
      code: "ContentTooLarge",
      status: 413,
      expected: "FixRequest",
      fields: { direction: "outbound", limitBytes: 1024 }
    })
    const back = JsonRpc.toFault(JSON.parse(JSON.stringify(request)), { mode: "trust" })
    assert.instanceOf(back, Fault.ContentTooLarge)
    assert.deepStrictEqual([(back as Fault.ContentTooLarge).limitBytes, back.origin], [1024, "remote"])
    // an answer too large for us is a 5xx: redacted by default; published, it is an upstream protocol fault
    const answer = new Fault.ContentTooLarge({ direction: "inbound", limitBytes: 8 })
    assert.strictEqual(JsonRpc.fromFault(answer).code, -32603)
    const published = { ...Exposure.view(answer, { catalog: Catalog.builtin }), redacted: false }
    assert.strictEqual(JsonRpc.codeOf({ ...published, fields: Exposure.fieldsOf(answer) }), -32009)
  })

  it("data carries retryAfterMs, the correlation id and the copied failure", () => {
    const e = JsonRpc.fromFault(new Fault.RateLimited({ retryAfterMs: 1500 }), { correlationId: "c-42" })
    assert.deepInclude(e.data as object, { retryAfterMs: 1500, correlationId: "c-42", expected: "RetryLater" })
    assert.strictEqual((e.data as any).failure.type, "RateLimited")
    const back = JsonRpc.toFault(JSON.parse(JSON.stringify(e)), { mode: "trust" })
    assert.strictEqual(back._tag, "RateLimited")
    assert.strictEqual(back.retryAfterMs, 1500)
    assert.strictEqual(back.correlationId, "c-42")
  })

  it("foreign error objects: reserved codes map to protocol faults, others to a RemoteFault", () => {
    assert.strictEqual(JsonRpc.toFault({ code: -32700, message: "Parse error" })._tag, "NotWellFormed")
    assert.strictEqual(JsonRpc.toFault({ code: -32600, message: "Invalid Request" })._tag, "NotWellFormed")
    const mnf = JsonRpc.toFault({ code: -32601, message: "Method not found" }) as Fault.RemoteFault
    assert.strictEqual(mnf.remoteCode, "MethodNotFound")
    assert.strictEqual(
      Failures.kind(JsonRpc.toFault({ code: -32602, message: "Invalid params" })),
      "RemoteInboundViolation"
    )
    assert.strictEqual(
      (JsonRpc.toFault({ code: -32603, message: "boom" }) as Fault.RemoteFault).remoteCode,
      "InternalError"
    )
    assert.strictEqual(JsonRpc.toFault({ code: -32603, message: "boom" }, { mode: "trust" })._tag, "InternalError")
    const foreign = JsonRpc.toFault({ code: -32001, message: "not ours" }, { mode: "trust" }) as Fault.RemoteFault
    assert.strictEqual(foreign.remoteCode, "-32001") // a server-range code without our data is not ours to interpret
    assert.strictEqual(JsonRpc.toFault("nonsense")._tag, "NotWellFormed")
  })

  it("the copied failure: type, parents, and a trace only when allowed, cut to 2000 bytes head and tail", () => {
    const deep = new Fault.InternalError({ message: "deep" })
    ;(deep as { stack: string }).stack = "InternalError: deep\n" + "    at frame (file.ts:1:1)\n".repeat(500) +
      "    at LAST"
    const off = CopiedFailure.make(deep)
    assert.isUndefined(off.trace)
    const on = CopiedFailure.make(deep, { config: { ...Exposure.defaultConfig, unsafeTracebacks: true } })
    assert.isAtMost(Buffer.byteLength(on.trace!), 2000)
    assert.isTrue(on.trace!.startsWith("InternalError: deep"))
    assert.isTrue(on.trace!.endsWith("at LAST"))
    assert.deepStrictEqual(CopiedFailure.parentsOf(new RangeError("x")), ["Error"])
    class AppError extends Error {}
    class RecordMissing extends AppError {}
    assert.deepStrictEqual(CopiedFailure.parentsOf(new RecordMissing("x")), ["AppError", "Error"])
  })
})

describe("JSON-RPC over HTTP: the six failures (our server, our client)", () => {
  it.effect("a good call succeeds", () =>
    Effect.gen(function*() {
      const client = yield* ourClient(yield* startOurs)
      assert.deepStrictEqual(yield* client.call(ClientGet, { id: "r-1" }), { id: "r-1", value: "value of r-1" })
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("all six, each its own kind", () =>
    Effect.gen(function*() {
      const client = yield* ourClient(yield* startOurs)
      const localOut = yield* flipFault(client.call(ClientGet, { id: "" }))
      const remoteIn = yield* flipFault(client.call(ClientGet, { id: "X1" }))
      const remoteFail = yield* flipFault(client.call(ClientGet, { id: "r-404" }))
      const remoteOut = yield* flipFault(client.call(ClientGet, { id: "r-broken" }))
      const localIn = yield* flipFault(client.call(ClientGet, { id: "r-long" }))
      const port = yield* closedPort
      const down = yield* ourClient(`http://127.0.0.1:${port}/rpc`)
      const partition = yield* flipFault(down.call(ClientGet, { id: "r-1" }))
      assert.strictEqual(Failures.kind(localOut), "LocalOutboundViolation")
      assert.strictEqual(Failures.kind(partition), "Partition")
      assert.strictEqual(partition._tag, "Unreachable")
      assert.strictEqual(Failures.kind(remoteIn), "RemoteInboundViolation")
      assert.strictEqual((remoteIn as Fault.SchemaViolation).violations[0]?.field, "id")
      assert.strictEqual(Failures.kind(remoteFail), "RemoteFailure")
      assert.strictEqual((remoteFail as Fault.RemoteFault).remoteCode, "NotFound")
      assert.strictEqual((remoteFail as Fault.RemoteFault).protocol, "json-rpc")
      assert.strictEqual(Failures.kind(remoteOut), "RemoteOutboundViolation")
      assert.notInclude(JSON.stringify((remoteOut as Fault.SchemaViolation).violations), "42")
      assert.strictEqual(Failures.kind(localIn), "LocalInboundViolation")
      // the decisions the README promises: another server may help with 2, 4, 5 and 6, never with 1
      const six = [localOut, partition, remoteIn, remoteFail, remoteOut, localIn]
      assert.deepStrictEqual(six.map((f) => Failures.isWorthFallback(f)), [false, true, false, true, true, true])
      assert.deepStrictEqual(six.map((f) => Failures.isLocal(f)), [true, true, false, false, false, true])
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("a connection dropped before the answer is ConnectionLost", () =>
    Effect.gen(function*() {
      const http = createServer((req) => req.socket.destroy())
      yield* Effect.acquireRelease(
        Effect.callback<void>((resume) => void http.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.callback<void>((resume) => void http.close(() => resume(Effect.void)))
      )
      const client = yield* ourClient(`http://127.0.0.1:${(http.address() as { port: number }).port}/rpc`)
      const f = yield* flipFault(client.call(ClientGet, { id: "r-1" }))
      assert.strictEqual(f._tag, "ConnectionLost")
      assert.strictEqual(Failures.kind(f), "Partition")
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("distrust: a remote NotFound is never caught by a local NotFound handler; trust: it is", () =>
    Effect.gen(function*() {
      const url = yield* startOurs
      const distrusting = yield* ourClient(url)
      const f = yield* flipFault(
        distrusting.call(ClientGet, { id: "r-404" }).pipe(Effect.catchTag("NotFound", () => Effect.succeed("local")))
      )
      assert.strictEqual(f._tag, "RemoteFault")
      const trusting = yield* ourClient(url, "trust")
      const caught = yield* trusting.call(ClientGet, { id: "r-404" }).pipe(
        Effect.catchTag("NotFound", (e) => Effect.succeed(`caught ${(e as Fault.NotFound).id} from ${e.origin}`))
      )
      assert.strictEqual(caught, "caught r-404 from remote")
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("without a mode option the client follows Trust.CurrentMode; an explicit mode still wins", () =>
    Effect.gen(function*() {
      const url = yield* startOurs
      const client = yield* JsonRpc.makeClient({ url }).pipe(Effect.provide(FetchHttpClient.layer))
      const trusted = yield* flipFault(
        client.call(ClientGet, { id: "r-404" }).pipe(Effect.provide(Trust.layer("trust")))
      )
      assert.strictEqual(trusted._tag, "NotFound")
      assert.strictEqual(trusted.origin, "remote")
      const distrusting = yield* ourClient(url, "distrust")
      const wrapped = yield* flipFault(
        distrusting.call(ClientGet, { id: "r-404" }).pipe(Effect.provide(Trust.layer("trust")))
      )
      assert.strictEqual(wrapped._tag, "RemoteFault")
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("an answer that is not JSON-RPC is ours to reject; a bare 502 from a proxy is a remote failure", () =>
    Effect.gen(function*() {
      const http = createServer((req, res) => {
        if (req.url === "/garbage") res.writeHead(200, { "content-type": "text/html" }).end("<html>hi</html>")
        else res.writeHead(502, { "content-type": "text/html" }).end("<html>bad gateway</html>")
      })
      yield* Effect.acquireRelease(
        Effect.callback<void>((resume) => void http.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.callback<void>((resume) => void http.close(() => resume(Effect.void)))
      )
      const base = `http://127.0.0.1:${(http.address() as { port: number }).port}`
      const garbage = yield* flipFault((yield* ourClient(`${base}/garbage`)).call(ClientGet, { id: "r-1" }))
      assert.strictEqual(garbage._tag, "NotWellFormed")
      assert.strictEqual(Failures.kind(garbage), "LocalInboundViolation")
      const proxy = yield* flipFault((yield* ourClient(`${base}/proxy`)).call(ClientGet, { id: "r-1" }))
      assert.strictEqual(proxy._tag, "BadStatus")
      assert.strictEqual((proxy as Fault.BadStatus).statusCode, 502)
      assert.strictEqual(Failures.kind(proxy), "RemoteFailure")
      assert.isTrue(Failures.isWorthFallback(proxy))
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("the caller's correlation id reaches the server and comes back on its errors", () =>
    Effect.gen(function*() {
      const client = yield* ourClient(yield* startOurs, "trust")
      const id = "5b3f1c2e-8d4a-4e6b-9c7d-1a2b3c4d5e6f"
      const f = yield* flipFault(client.call(ClientGet, { id: "r-404" })).pipe(Correlation.withId(id))
      assert.isTrue(f instanceof Fault.NotFound)
      assert.strictEqual(f.correlationId, id)
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("a fault whose field has no JSON form (a bigint) answers its own id without that field", () =>
    Effect.gen(function*() {
      class Overdrawn
        extends Fault.define<Overdrawn>()("Overdrawn", { amount: Schema.BigInt, account: Schema.String }, {
          category: "application",
          expected: "FixRequest",
          status: 422
        })
      {}
      const Pay = JsonRpc.method("pay", { params: Schema.Struct({}), result: Schema.Null })
      const handle = JsonRpc.handler([
        JsonRpc.implement(Pay, () => Effect.fail(new Overdrawn({ amount: 5n, account: "a-1" }))),
        ...handlers
      ])
      const text = yield* handle(JSON.stringify([
        { jsonrpc: "2.0", id: 7, method: "pay", params: {} },
        { jsonrpc: "2.0", id: 8, method: "get", params: { id: "r-1" } }
      ]))
      const [refused, ok] = JSON.parse(text!)
      assert.strictEqual(refused.id, 7)
      assert.strictEqual(refused.error.data.code, "Overdrawn")
      assert.deepStrictEqual(refused.error.data.fields, { account: "a-1" })
      assert.strictEqual(ok.id, 8)
    }).pipe(Effect.provide(quiet)))

  it.effect("a request body over the server's MaxBodySize: -32012 ContentTooLarge with the limit, not a parse error", () =>
    Effect.gen(function*() {
      const limit = 256
      const url = yield* startOursWith(limit)
      const cid = "0b7e2c1a-9d4f-4e6a-8b3c-5f1e2d3c4b5a"
      const big = JSON.stringify({ jsonrpc: "2.0", id: 3, method: "get", params: { id: "r-" + "x".repeat(limit * 4) } })
      const r = yield* Effect.promise(() =>
        fetch(url, { method: "POST", headers: { "content-type": "application/json", "x-correlator": cid }, body: big })
          .then(async (r) => ({ status: r.status, body: await r.text() }))
      )
      // answered like the layer's other errors: 200 with a JSON-RPC error; the id was never read
      assert.strictEqual(r.status, 200)
      const reply = JSON.parse(r.body)
      assert.strictEqual(reply.id, null)
      assert.strictEqual(reply.error.code, JsonRpc.codes.byFault["ContentTooLarge"])
      assert.strictEqual(reply.error.code, -32012)
      assert.strictEqual(reply.error.message, `request body exceeds the limit of ${limit} bytes`)
      assert.deepInclude(reply.error.data, {
        code: "ContentTooLarge",
        status: 413,
        expected: "FixRequest",
        correlationId: cid,
        fields: { direction: "outbound", limitBytes: limit }
      })
      assert.notInclude(r.body, "xxxx")
      // our client reads it back as the remote's verdict on our request
      const client = yield* ourClient(url, "trust")
      const f = yield* flipFault(client.call(ClientGet, { id: "r-" + "y".repeat(limit * 4) }))
      assert.instanceOf(f, Fault.ContentTooLarge)
      assert.deepStrictEqual(
        [(f as Fault.ContentTooLarge).direction, (f as Fault.ContentTooLarge).limitBytes, f.origin, f.status],
        ["outbound", limit, "remote", 413]
      )
      assert.strictEqual(Failures.kind(f), "RemoteInboundViolation")
      // a body under the limit is served as usual
      assert.deepStrictEqual(yield* client.call(ClientGet, { id: "r-1" }), { id: "r-1", value: "value of r-1" })
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("a handler defect answers its own id, redacted", () =>
    Effect.gen(function*() {
      const url = yield* startOurs
      const text = yield* Effect.promise(() =>
        fetch(url, {
          method: "POST",
          body: JSON.stringify([
            { jsonrpc: "2.0", id: 5, method: "get", params: { id: "r-die" } },
            { jsonrpc: "2.0", id: 6, method: "get", params: { id: "r-1" } }
          ])
        }).then((r) => r.text())
      )
      const [dead, ok] = JSON.parse(text)
      assert.strictEqual(dead.id, 5)
      assert.strictEqual(dead.error.code, -32603)
      assert.strictEqual(ok.id, 6)
      assert.isFalse(leaks(text))
    }).pipe(Effect.scoped, Effect.provide(quiet)))
})

describe("JSON-RPC interop with the json-rpc-2.0 package", () => {
  it.effect("our client ← their JSONRPCServer: success, method not found, invalid params, thrown errors, our error objects", () =>
    Effect.gen(function*() {
      const url = yield* startTheirs((s) => {
        s.addMethod("get", ({ id }: { id: string }) => {
          if (id === "r-404") {
            const e = JsonRpc.fromFault(new Fault.NotFound({ resource: "record", id }))
            throw new JSONRPCErrorException(e.message, e.code, e.data)
          }
          if (id === "r-bad") throw new JSONRPCErrorException("Invalid params", -32602)
          if (id === "r-throw") throw new Error("plain error")
          return { id, value: `theirs ${id}` }
        })
      })
      const client = yield* ourClient(url)
      assert.deepStrictEqual(yield* client.call(ClientGet, { id: "r-1" }), { id: "r-1", value: "theirs r-1" })
      const nf = yield* flipFault(client.call(ClientGet, { id: "r-404" }))
      assert.strictEqual((nf as Fault.RemoteFault).remoteCode, "NotFound")
      assert.strictEqual((nf as Fault.RemoteFault).failure?.type, "NotFound")
      const trusted = yield* flipFault((yield* ourClient(url, "trust")).call(ClientGet, { id: "r-404" }))
      assert.isTrue(trusted instanceof Fault.NotFound)
      assert.strictEqual(
        Failures.kind(yield* flipFault(client.call(ClientGet, { id: "r-bad" }))),
        "RemoteInboundViolation"
      )
      const thrown = yield* flipFault(client.call(ClientGet, { id: "r-throw" }))
      assert.strictEqual(thrown._tag, "RemoteFault")
      const unknown = JsonRpc.method("nope", { params: Schema.Null, result: Schema.Null })
      const mnf = yield* flipFault(client.call(unknown, null))
      assert.strictEqual((mnf as Fault.RemoteFault).remoteCode, "MethodNotFound")
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("every built-in fault thrown by their server arrives: equal (trust) or wrapped (distrust), no secret", () =>
    Effect.gen(function*() {
      const url = yield* startTheirs((s) => {
        s.addMethod("fail", ({ index }: { index: number }) => {
          const e = JsonRpc.fromFault(samples[index])
          throw new JSONRPCErrorException(e.message, e.code, e.data)
        })
      })
      for (const mode of ["trust", "distrust"] as const) {
        const client = yield* ourClient(url, mode)
        for (let i = 0; i < samples.length; i++) {
          checkArrival(samples[i]!, yield* flipFault(client.call(Fail, { index: i })), mode)
        }
      }
    }).pipe(Effect.scoped, Effect.provide(quiet)))

  it.effect("their JSONRPCClient → our server: error objects they read, mapped back to the same faults", () =>
    Effect.gen(function*() {
      const url = yield* startOurs
      const client: JSONRPCClient = new JSONRPCClient((request): Promise<void> =>
        fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) })
          .then((r) => r.status === 200 ? r.json().then((reply) => client.receive(reply)) : undefined)
      )
      const ok = yield* Effect.promise(() => client.request("get", { id: "r-1" }))
      assert.deepStrictEqual(ok, { id: "r-1", value: "value of r-1" })
      const invalid = yield* Effect.promise(() =>
        client.request("get", { id: 7 }).then(() => undefined, (e: JSONRPCErrorException) => e)
      )
      assert.instanceOf(invalid, JSONRPCErrorException)
      assert.strictEqual(invalid.code, -32602)
      assert.strictEqual(invalid.data.violations[0].field, "id")
      const missing = yield* Effect.promise(() =>
        client.request("nope", {}).then(() => undefined, (e: JSONRPCErrorException) => e)
      )
      assert.strictEqual(missing?.code, -32601)
      for (let i = 0; i < samples.length; i++) {
        const sent = samples[i]!
        const err = yield* Effect.promise(() =>
          client.request("fail", { index: i }).then(() => undefined, (e: JSONRPCErrorException) => e)
        )
        assert.instanceOf(err, JSONRPCErrorException, sent._tag)
        assert.strictEqual(err.code, JsonRpc.fromFault(sent).code, sent._tag)
        assert.isFalse(leaks(JSON.stringify(err.toObject())), `${sent._tag} leaked on the wire`)
        for (const mode of ["trust", "distrust"] as const) {
          checkArrival(sent, JsonRpc.toFault(err.toObject(), { mode }), mode)
        }
      }
    }).pipe(Effect.scoped, Effect.provide(quiet)))
})

describe("round trip of every built-in fault through JSON-RPC text", () => {
  it("encode → JSON → decode, both modes, no secret on the wire", () => {
    for (const sent of samples) {
      const wire = JSON.stringify(JsonRpc.errorResponse(1, sent))
      assert.isFalse(leaks(wire), `${sent._tag} leaked`)
      for (const mode of ["trust", "distrust"] as const) {
        const r = JsonRpc.decodeResponse(wire, { mode })
        assert.isTrue(Result.isFailure(r))
        if (Result.isFailure(r)) checkArrival(sent, r.failure, mode)
      }
    }
  })
})

function checkArrival(sent: Fault.Fault, got: Fault.Fault, mode: "trust" | "distrust") {
  const what = `${sent._tag} (${mode})`
  assert.isFalse(leaks(faultText(got)), `${what} leaked a secret`)
  assert.strictEqual(got.origin, "remote", what)
  if (sent._tag === "SchemaViolation") {
    assert.strictEqual(got._tag, "SchemaViolation", what)
    assert.deepStrictEqual(Exposure.fieldsOf(got), Exposure.fieldsOf(sent), what)
    return
  }
  const isPublic = Exposure.isPublic(sent)
  if (mode === "trust") {
    if (isPublic) {
      assert.strictEqual(got._tag, sent._tag, what)
      assert.deepStrictEqual(Exposure.fieldsOf(got), Exposure.fieldsOf(sent), what)
      assert.strictEqual(got.message, sent.message, what)
      assert.strictEqual(got.retryAfterMs, sent.retryAfterMs, what)
    } else {
      assert.strictEqual(got._tag, "InternalError", what)
    }
    return
  }
  assert.strictEqual(got._tag, "RemoteFault", what)
  const remote = got as Fault.RemoteFault
  assert.strictEqual(remote.protocol, "json-rpc", what)
  assert.strictEqual(remote.remoteCode, isPublic ? sent.code : "InternalError", what)
  assert.strictEqual(remote.failure?.type, isPublic ? sent._tag : "InternalError", what)
}
