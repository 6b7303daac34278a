import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schema } from "effect"
import { Catalog, Correlation, Fault, Report, Trust } from "effect-faults"
import { Client } from "effect-faults/http"
import { HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import * as dc from "node:diagnostics_channel"
import type * as net from "node:net"
import { afterAll, beforeAll } from "vitest"
import * as Support from "./client-support.ts"

const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: `urn:fault:${code}`, title: code, status, detail, code, ...extra })

let server: Support.TestServer
const written = { bytes: 0, closed: false }

beforeAll(async () => {
  server = await Support.start({
    "/problem/404": Support.answer(
      404,
      { "content-type": "application/problem+json", "x-correlator": "srv-404" },
      problem(404, "NotFound", "order '42' not found", { fields: { resource: "order", id: "42" } })
    ),
    "/problem/413": Support.answer(
      413,
      { "content-type": "application/problem+json" },
      problem(413, "ContentTooLarge", "request body exceeds the limit of 1024 bytes", {
        fields: { direction: "outbound", limitBytes: 1024 }
      })
    ),
    "/bare/413": Support.answer(413, {}, ""),
    "/code-message/429": Support.answer(
      429,
      { "content-type": "application/json", "retry-after": "7" },
      JSON.stringify({ code: 429, message: "Too Many Requests" })
    ),
    "/ec2": Support.answer(
      400,
      { "content-type": "text/xml;charset=UTF-8" },
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>"
    ),
    "/s3": Support.answer(
      404,
      { "content-type": "application/xml" },
      "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a.txt</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>"
    ),
    "/query": Support.answer(
      400,
      { "content-type": "text/xml" },
      "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>req-9</RequestId></ErrorResponse>"
    ),
    "/aws-json": Support.answer(
      400,
      {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-errortype": "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.dynamodb/",
        "x-amzn-requestid": "ddb-1"
      },
      JSON.stringify({
        __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
        message: "Requested resource not found"
      })
    ),
    "/google": Support.answer(
      429,
      { "content-type": "application/json; charset=UTF-8" },
      JSON.stringify({
        error: {
          code: 429,
          message: "Quota exceeded",
          status: "RESOURCE_EXHAUSTED",
          details: [
            {
              "@type": "type.googleapis.com/google.rpc.ErrorInfo",
              reason: "RATE_LIMIT_EXCEEDED",
              domain: "googleapis.com",
              metadata: { service: "x.googleapis.com" }
            },
            { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "1.5s" },
            {
              "@type": "type.googleapis.com/google.rpc.BadRequest",
              fieldViolations: [{ field: "page_size", description: "must be positive" }]
            }
          ]
        }
      })
    ),
    "/html": Support.answer(
      502,
      { "content-type": "text/html" },
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>"
    ),
    "/empty": Support.answer(500, {}, ""),
    "/truncated": Support.answer(
      500,
      { "content-type": "application/problem+json" },
      problem(500, "InternalError", "boom").slice(0, 30)
    ),
    "/lie/problem-as-text": Support.answer(
      409,
      { "content-type": "text/plain" },
      problem(409, "Conflict", "version 3 expected")
    ),
    "/lie/html-as-json": Support.answer(
      503,
      { "content-type": "application/json" },
      "<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>"
    ),
    "/text/503-date": (_req, res) => {
      res.writeHead(503, { "content-type": "text/plain", "retry-after": new Date(Date.now() + 120_000).toUTCString() })
      res.end("busy")
    },
    "/ok": Support.answer(
      200,
      { "content-type": "application/json" },
      JSON.stringify({ id: "e-1", startsAt: "2026-11-25T13:00:00Z" })
    ),
    "/ok/wrong-shape": Support.answer(200, { "content-type": "application/json" }, JSON.stringify({ id: 7 })),
    "/ok/not-json": Support.answer(200, { "content-type": "application/json" }, "{\"id\": \"e-1\", "),
    "/echo": (req, res) => {
      res.writeHead(500, {
        "content-type": "application/problem+json",
        "x-correlator": String(req.headers["x-correlator"] ?? "none")
      })
      res.end(problem(500, "Unavailable", "echo"))
    },
    "/echo/no-header": Support.answer(500, { "content-type": "text/plain" }, "no correlator answered"),
    "/destroy-mid-body": (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" })
      res.write("{\"id\": \"")
      setTimeout(() => res.socket?.destroy(), 20)
    },
    "/destroy-mid-error-body": (_req, res) => {
      res.writeHead(500, { "content-type": "application/json", "content-length": "1000" })
      res.write("{\"code\": 500, ")
      setTimeout(() => res.socket?.destroy(), 20)
    },
    "/destroy-before-headers": (req) => {
      req.socket.destroy()
    },
    "/never": () => {
      // never answers
    },
    "/big": Support.stream(written, 500, 10 * 1024 * 1024)
  })
})
afterAll(() => server.close())

const Quiet = Report.layer(Report.silent)

// Every client socket of this process (all three client layers use net.Socket), to count the bytes
// that actually entered the process.
const sockets: Array<net.Socket> = []
dc.subscribe("net.client.socket", (message) => {
  sockets.push((message as { socket: net.Socket }).socket)
})
const socketBytes = () => sockets.reduce((n, s) => n + s.bytesRead, 0)
const socketBytesDuring = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = socketBytes()
    const value = yield* effect
    // let the cancelled socket close before reading its counter
    yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
    return { value, bytesRead: socketBytes() - before }
  })
const flipGet = (path: string, options?: Client.Options) =>
  Effect.gen(function*() {
    const client = yield* Client.make(options)
    return yield* Effect.flip(client.get(server.url(path)))
  })

for (const [name, clientLayer] of Support.clientLayers) {
  describe(`Client over ${name}`, () => {
    const run = <A, E>(effect: Effect.Effect<A, E, HttpClient.HttpClient>) =>
      effect.pipe(Effect.provide(Layer.merge(clientLayer, Quiet)))

    it.effect("problem+json 404, distrust: one RemoteFault that a NotFound handler cannot catch", () =>
      run(Effect.gen(function*() {
        const client = yield* Client.make()
        const outcome = yield* client.get(server.url("/problem/404")).pipe(
          Effect.as("succeeded"),
          Effect.catchTag("NotFound", () => Effect.succeed("caught as local NotFound")),
          Effect.catchTag("RemoteFault", (e) => {
            const r = e as Fault.RemoteFault
            return Effect.succeed(`${r._tag} ${r.remoteCode} ${r.remoteStatus} ${r.protocol}`)
          })
        )
        assert.strictEqual(outcome, "RemoteFault NotFound 404 http")
      })))

    it.effect("problem+json 404, trust: NotFound with origin remote, fields and the server's correlation id", () =>
      run(Effect.gen(function*() {
        const f = yield* flipGet("/problem/404", { trust: "trust", catalog: Catalog.builtin })
        assert.instanceOf(f, Fault.NotFound)
        assert.strictEqual(f.origin, "remote")
        assert.strictEqual((f as Fault.NotFound).id, "42")
        assert.strictEqual(f.correlationId, "srv-404")
        const caught = yield* Effect.fail(f).pipe(Effect.catchTag("NotFound", (e) => Effect.succeed(e.resource)))
        assert.strictEqual(caught, "order")
      })))

    it.effect("the trust mode can also come from Trust.CurrentMode; the client's own option wins", () =>
      run(Effect.gen(function*() {
        const fromContext = yield* flipGet("/problem/404").pipe(Effect.provide(Trust.layer("trust")))
        assert.instanceOf(fromContext, Fault.NotFound)
        const pinned = yield* flipGet("/problem/404", { trust: "distrust" }).pipe(Effect.provide(Trust.layer("trust")))
        assert.instanceOf(pinned, Fault.RemoteFault)
      })))

    it.effect("a received failure goes through Report.received once; report: false turns it off", () =>
      run(Effect.gen(function*() {
        const seen: Array<string> = []
        const Recording = Report.layer({
          received: (fault, context) => Effect.sync(() => seen.push(`${fault._tag} ${context.source}`))
        })
        yield* flipGet("/problem/404").pipe(Effect.provide(Recording))
        assert.deepStrictEqual(seen, ["RemoteFault http"])
        yield* flipGet("/problem/404", { report: false }).pipe(Effect.provide(Recording))
        assert.deepStrictEqual(seen, ["RemoteFault http"])
      })))

    it.effect("413: a problem ContentTooLarge decodes to the class (trust), a RemoteFault (distrust); bare, BadStatus", () =>
      run(Effect.gen(function*() {
        const trusted = yield* flipGet("/problem/413", { trust: "trust", catalog: Catalog.builtin })
        assert.instanceOf(trusted, Fault.ContentTooLarge)
        assert.deepStrictEqual(
          [(trusted as Fault.ContentTooLarge).direction, (trusted as Fault.ContentTooLarge).limitBytes],
          ["outbound", 1024]
        )
        assert.deepStrictEqual([trusted.origin, trusted.status, trusted.expected], ["remote", 413, "FixRequest"])
        const distrusted = (yield* flipGet("/problem/413")) as Fault.RemoteFault
        assert.instanceOf(distrusted, Fault.RemoteFault)
        assert.deepStrictEqual([distrusted.remoteCode, distrusted.remoteStatus, distrusted.expected], [
          "ContentTooLarge",
          413,
          "FixRequest"
        ])
        // no body says what failed: a status alone stays BadStatus, as every other bare status does
        const bare = yield* flipGet("/bare/413", { trust: "trust" })
        assert.instanceOf(bare, Fault.BadStatus)
        assert.deepStrictEqual([(bare as Fault.BadStatus).statusCode, bare.side, bare.expected], [
          413,
          "client",
          "FixRequest"
        ])
      })))

    it.effect("{code,message} 429 with Retry-After delta-seconds → retryAfterMs 7000", () =>
      run(Effect.gen(function*() {
        const f = yield* flipGet("/code-message/429")
        assert.instanceOf(f, Fault.RemoteFault)
        assert.strictEqual((f as Fault.RemoteFault).remoteStatus, 429)
        assert.strictEqual(f.retryAfterMs, 7000)
        assert.strictEqual(f.expected, "RetryLater")
      })))

    it.effect("plain 503 with Retry-After HTTP-date → BadStatus with retryAfterMs about two minutes", () =>
      run(Effect.gen(function*() {
        yield* TestClock.setTime(Date.now())
        const f = yield* flipGet("/text/503-date")
        assert.instanceOf(f, Fault.BadStatus)
        assert.strictEqual((f as Fault.BadStatus).statusCode, 503)
        assert.strictEqual((f as Fault.BadStatus).excerpt, "busy")
        assert.isAtLeast(f.retryAfterMs!, 115_000)
        assert.isAtMost(f.retryAfterMs!, 121_000)
      })))

    it.effect("EC2 XML → the EC2 code, RequestID as correlation id", () =>
      run(Effect.gen(function*() {
        const f = (yield* flipGet("/ec2")) as Fault.RemoteFault
        assert.strictEqual(f.remoteCode, "InvalidInstanceID.NotFound")
        assert.strictEqual(f.remoteMessage, "The instance ID 'i-1' does not exist")
        assert.strictEqual(f.correlationId, "ea966190-f9aa-478e-9ede-example")
      })))

    it.effect("S3 and Query XML, AWS JSON with x-amzn-ErrorType → their AWS codes", () =>
      run(Effect.gen(function*() {
        const s3 = (yield* flipGet("/s3")) as Fault.RemoteFault
        assert.strictEqual(s3.remoteCode, "NoSuchKey")
        assert.strictEqual(s3.correlationId, "4442587FB7D0A2F9")
        const query = (yield* flipGet("/query")) as Fault.RemoteFault
        assert.strictEqual(query.remoteCode, "Throttling")
        assert.strictEqual(query.expected, "RetryLater")
        assert.strictEqual(query.correlationId, "req-9")
        const json = (yield* flipGet("/aws-json")) as Fault.RemoteFault
        assert.strictEqual(json.remoteCode, "ResourceNotFoundException")
        assert.strictEqual(json.remoteMessage, "Requested resource not found")
        assert.strictEqual(json.correlationId, "ddb-1")
      })))

    it.effect("Google-style error: ErrorInfo reason, RetryInfo delay, BadRequest violations", () =>
      run(Effect.gen(function*() {
        const f = (yield* flipGet("/google")) as Fault.RemoteFault
        assert.strictEqual(f.remoteCode, "RATE_LIMIT_EXCEEDED")
        assert.strictEqual(f.retryAfterMs, 1500)
        assert.strictEqual(f.expected, "RetryLater")
        assert.strictEqual(f.remoteStatus, 429)
        // a RemoteFault has no fields: the BadRequest violations (and ErrorInfo's domain) are checked
        // on what the client received from the same response
        const received = yield* Effect.promise(async () => {
          const res = await fetch(server.url("/google"))
          return Client.recognise({
            status: res.status,
            headers: { "content-type": res.headers.get("content-type") ?? "" },
            body: await res.text(),
            truncated: false
          })
        })
        assert.strictEqual(received?.code, "RATE_LIMIT_EXCEEDED")
        assert.strictEqual(received?.retryAfterMs, 1500)
        assert.deepStrictEqual(received?.fields?.violations, [{ field: "page_size", message: "must be positive" }])
        assert.strictEqual(received?.fields?.domain, "googleapis.com")
      })))

    it.effect("HTML from a proxy → a received failure with the status and the page title", () =>
      run(Effect.gen(function*() {
        const f = (yield* flipGet("/html")) as Fault.RemoteFault
        assert.strictEqual(f.remoteCode, "HtmlErrorPage")
        assert.strictEqual(f.remoteStatus, 502)
        assert.strictEqual(f.remoteMessage, "502 Bad Gateway")
      })))

    it.effect("empty and truncated bodies → BadStatus (no excerpt / a bounded excerpt)", () =>
      run(Effect.gen(function*() {
        const empty = (yield* flipGet("/empty")) as Fault.BadStatus
        assert.instanceOf(empty, Fault.BadStatus)
        assert.strictEqual(empty.statusCode, 500)
        assert.isUndefined(empty.excerpt)
        const cut = (yield* flipGet("/truncated")) as Fault.BadStatus
        assert.instanceOf(cut, Fault.BadStatus)
        assert.isTrue(cut.excerpt!.startsWith("{\"type\":\"urn:fault:InternalErr"))
      })))

    it.effect("a body whose content type lies is still recognised by sniffing", () =>
      run(Effect.gen(function*() {
        const problemAsText = (yield* flipGet("/lie/problem-as-text", { trust: "trust" })) as Fault.Conflict
        assert.instanceOf(problemAsText, Fault.Conflict)
        const htmlAsJson = (yield* flipGet("/lie/html-as-json")) as Fault.RemoteFault
        assert.strictEqual(htmlAsJson.remoteCode, "HtmlErrorPage")
        assert.strictEqual(htmlAsJson.remoteMessage, "Maintenance")
      })))

    it.effect("sends the fiber's correlation id as x-correlator and keeps the one the server answers with", () =>
      run(Effect.gen(function*() {
        const f = yield* flipGet("/echo").pipe(Correlation.withId("cid-7"))
        assert.strictEqual(server.seen.get("/echo")?.["x-correlator"], "cid-7")
        assert.strictEqual(f.correlationId, "cid-7")
        const g = yield* flipGet("/echo/no-header")
        const generated = server.seen.get("/echo/no-header")?.["x-correlator"]
        assert.match(String(generated), Correlation.uuidPattern)
        assert.strictEqual(g.correlationId, generated)
      })))

    it.effect("URLs kept on faults lose their query string (tokens travel there)", () =>
      run(Effect.gen(function*() {
        const client = yield* Client.make()
        const f = (yield* Effect.flip(client.get(server.url("/echo/no-header?access_token=s3cret")))) as Fault.BadStatus
        assert.strictEqual(f.url, server.url("/echo/no-header"))
        assert.notInclude(JSON.stringify(f), "s3cret")
      })))

    it.effect("bodyJson: a wrong shape → SchemaViolation inbound with field violations; not JSON → NotWellFormed", () =>
      run(Effect.gen(function*() {
        const Event = Schema.Struct({ id: Schema.String, startsAt: Schema.String })
        const client = yield* Client.make()
        const ok = yield* client.get(server.url("/ok")).pipe(Effect.flatMap(Client.bodyJson(Event)))
        assert.strictEqual(ok.id, "e-1")
        const bad = yield* Effect.flip(
          client.get(server.url("/ok/wrong-shape")).pipe(Effect.flatMap(Client.bodyJson(Event)))
        )
        assert.instanceOf(bad, Fault.SchemaViolation)
        const v = bad as Fault.SchemaViolation
        assert.strictEqual(v.direction, "inbound")
        assert.strictEqual(v.origin, "local")
        assert.deepStrictEqual(v.violations.map((x) => x.field).sort(), ["id", "startsAt"])
        const notJson = yield* Effect.flip(
          client.get(server.url("/ok/not-json")).pipe(Effect.flatMap(Client.bodyJson(Event)))
        )
        assert.instanceOf(notJson, Fault.NotWellFormed)
        assert.strictEqual((notJson as Fault.NotWellFormed).direction, "inbound")
      })))

    it.effect("bodyText / bodyJson with maxBytes: a longer body is ContentTooLarge inbound with the limit", () =>
      run(Effect.gen(function*() {
        const client = yield* Client.make()
        const within = yield* client.get(server.url("/ok")).pipe(Effect.flatMap(Client.bodyText({ maxBytes: 1024 })))
        assert.strictEqual(JSON.parse(within).id, "e-1")
        for (const read of [Client.bodyText({ maxBytes: 10 }), Client.bodyJson(Schema.Unknown, { maxBytes: 10 })]) {
          const f = yield* Effect.flip(client.get(server.url("/ok")).pipe(Effect.flatMap(read)))
          assert.instanceOf(f, Fault.ContentTooLarge)
          assert.deepStrictEqual(
            [(f as Fault.ContentTooLarge).direction, (f as Fault.ContentTooLarge).limitBytes, f.origin, f.status],
            ["inbound", 10, "local", 502]
          )
          assert.strictEqual(f.message, "response body exceeds the limit of 10 bytes")
        }
      })))

    it.effect("connection refused on a closed port → Unreachable ECONNREFUSED, BeforeSend", () =>
      run(Effect.gen(function*() {
        const port = yield* Effect.promise(Support.closedPort)
        const client = yield* Client.make()
        const f = yield* Effect.flip(client.get(`http://127.0.0.1:${port}/`))
        assert.instanceOf(f, Fault.Unreachable)
        assert.strictEqual((f as Fault.Unreachable).reason, "ECONNREFUSED")
        assert.strictEqual(Fault.phase(f), "BeforeSend")
        assert.isDefined(f.correlationId)
      })))

    it.effect("a .invalid host → Unreachable ENOTFOUND or EAI_AGAIN", () =>
      run(Effect.gen(function*() {
        const client = yield* Client.make()
        const f = yield* Effect.flip(client.get("http://vtn.invalid/events"))
        assert.instanceOf(f, Fault.Unreachable)
        assert.include(["ENOTFOUND", "EAI_AGAIN"], (f as Fault.Unreachable).reason)
      })))

    it.effect("the server destroys the socket mid-response → ConnectionLost MaybeDelivered", () =>
      run(Effect.gen(function*() {
        const client = yield* Client.make()
        const midBody = yield* Effect.flip(
          client.get(server.url("/destroy-mid-body")).pipe(Effect.flatMap(Client.bodyText()))
        )
        assert.instanceOf(midBody, Fault.ConnectionLost)
        assert.strictEqual((midBody as Fault.ConnectionLost).phase, "MaybeDelivered")
        const midError = yield* flipGet("/destroy-mid-error-body")
        assert.instanceOf(midError, Fault.ConnectionLost)
        const beforeHeaders = yield* flipGet("/destroy-before-headers")
        assert.instanceOf(beforeHeaders, Fault.ConnectionLost)
        assert.strictEqual(Fault.phase(beforeHeaders), "MaybeDelivered")
      })))

    it.effect("a server that never answers → Timeout (attempt budget, virtual time)", () =>
      run(Effect.gen(function*() {
        const client = yield* Client.make({ timeout: "5 seconds" })
        const arrived = server.arrived("/never")
        const fiber = yield* Effect.forkChild(Effect.flip(client.get(server.url("/never"))))
        yield* Effect.promise(() => arrived)
        yield* TestClock.adjust("5 seconds")
        const f = yield* Fiber.join(fiber)
        assert.instanceOf(f, Fault.Timeout)
        assert.strictEqual((f as Fault.Timeout).budget, "attempt")
        assert.strictEqual((f as Fault.Timeout).afterMs, 5000)
        assert.strictEqual(Fault.phase(f), "MaybeDelivered")
      })))

    it.effect("a 10 MB error body costs the limit, not 10 MB: bytes read from the socket vs a naive read", () =>
      run(Effect.gen(function*() {
        const limit = 16 * 1024
        const bounded = yield* socketBytesDuring(
          flipGet("/big").pipe(Effect.provideService(Client.MaxErrorBodyBytes, limit))
        )
        const f = bounded.value as Fault.BadStatus
        assert.instanceOf(f, Fault.BadStatus)
        assert.isAtMost(f.excerpt!.length, 513)
        // the client went away: the server could not push the whole body
        assert.isTrue(written.closed)
        assert.isBelow(written.bytes, 10 * 1024 * 1024)
        // what entered this process: the limit plus one socket read, never the body
        assert.isAtMost(bounded.bytesRead, limit + 128 * 1024)
        const big = yield* socketBytesDuring(flipGet("/big", { maxErrorBodyBytes: 1024 * 1024 }))
        assert.isAtLeast(big.bytesRead, 1024 * 1024)
        assert.isAtMost(big.bytesRead, 1024 * 1024 + 128 * 1024)
        // the same measurement on a plain whole-body read proves it can see 10 MB
        const naive = yield* socketBytesDuring(Effect.gen(function*() {
          const client = yield* HttpClient.HttpClient
          return (yield* (yield* client.get(server.url("/big"))).text).length
        }))
        assert.strictEqual(naive.value, 10 * 1024 * 1024)
        assert.isAtLeast(naive.bytesRead, 10 * 1024 * 1024)
      })))
  })
}

describe("Client.decode", () => {
  const options = { mode: "distrust" as const, catalog: Catalog.builtin, now: Date.parse("2026-11-25T12:00:00Z") }

  it("Retry-After: delta-seconds and HTTP-date, both against the given clock; nonsense ignored", () => {
    const at = (value: string) =>
      Client.decode({ status: 503, headers: { "retry-after": value }, body: "", truncated: false }, options)
        .retryAfterMs
    assert.strictEqual(at("120"), 120_000)
    assert.strictEqual(at("Wed, 25 Nov 2026 12:01:30 GMT"), 90_000)
    assert.strictEqual(at("Wed, 25 Nov 2026 11:00:00 GMT"), 0)
    assert.isUndefined(at("soon"))
    assert.isUndefined(at("-5"))
    assert.isUndefined(at("1e3"))
  })

  it("a body's own retry hint wins; without one, the Retry-After header, an HTTP-date against the given clock", () => {
    const problem = (body: Record<string, unknown>, headers: Record<string, string>) =>
      Client.decode({
        status: 429,
        headers: { "content-type": "application/problem+json", ...headers },
        body: JSON.stringify({ type: "about:blank", title: "slow", status: 429, ...body }),
        truncated: false
      }, options)
    assert.strictEqual(problem({ retryAfter: 7 }, { "retry-after": "120" }).retryAfterMs, 7000)
    // a hint that overflows to Infinity ms is the body saying nothing
    assert.strictEqual(problem({ retryAfter: 1e306 }, { "retry-after": "5" }).retryAfterMs, 5000)
    // `now` is the clock the client was given, for every dialect (not the machine's)
    assert.strictEqual(problem({}, { "retry-after": "Wed, 25 Nov 2026 12:01:30 GMT" }).retryAfterMs, 90_000)
    const cm = Client.decode({
      status: 503,
      headers: { "content-type": "application/json", "retry-after": "Wed, 25 Nov 2026 12:01:30 GMT" },
      body: JSON.stringify({ code: 503, message: "busy" }),
      truncated: false
    }, options)
    assert.strictEqual(cm.retryAfterMs, 90_000)
  })

  it("the server's correlation header is the one the client is configured with", () => {
    const f = Client.decode({
      status: 404,
      headers: { "content-type": "application/json", "x-correlator": "other", "x-request-id": "r-1" },
      body: JSON.stringify({ code: 404, message: "no" }),
      truncated: false
    }, { ...options, correlationHeader: "x-request-id" })
    assert.strictEqual(f.correlationId, "r-1")
  })

  it("keeps a bounded excerpt, the URL and the id sent when the server answers with none", () => {
    const f = Client.decode({ status: 500, headers: {}, body: "x".repeat(5000), truncated: true }, {
      ...options,
      url: "http://vtn.example/events",
      sentCorrelationId: "c-9"
    }) as Fault.BadStatus
    assert.strictEqual(f.excerpt!.length, 513)
    assert.strictEqual(f.url, "http://vtn.example/events")
    assert.strictEqual(f.correlationId, "c-9")
  })

  it("a user's dialect that throws is skipped, never a defect", () => {
    const hostile = {
      name: "hostile",
      contentType: "x/y",
      accepts: () => {
        throw new Error("a")
      },
      decode: () => {
        throw new Error("b")
      }
    }
    const f = Client.decode({ status: 418, headers: { "content-type": "x/y" }, body: "tea", truncated: false }, {
      ...options,
      dialects: [hostile]
    })
    assert.strictEqual(f._tag, "BadStatus")
  })
})
