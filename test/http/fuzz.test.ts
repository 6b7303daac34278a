/**
 * Never throws: 100 000 generated and mutated error responses through the client's decoding path
 * (called directly), and a smaller sample written byte for byte by a raw TCP server and read by the
 * real client layers. Every outcome must be a typed, encodable fault — never an exception, never a
 * defect.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { Catalog, Exposure, Fault, Report } from "effect-faults"
import { Client } from "effect-faults/http"
import fc from "fast-check"
import type { AddressInfo } from "node:net"
import * as net from "node:net"
import { vi } from "vitest"
import * as wire from "../../src/http/internal/wire.ts"
import * as Support from "./client-support.ts"

const seeds: ReadonlyArray<readonly [string, string]> = [
  [
    "application/problem+json",
    JSON.stringify({
      type: "urn:fault:NotFound",
      title: "Not found",
      status: 404,
      detail: "order '42' not found",
      code: "NotFound",
      fields: { resource: "order", id: "42" },
      correlationId: "c-1",
      retryAfter: 3
    })
  ],
  [
    "application/problem+json",
    JSON.stringify({
      type: "about:blank",
      title: "Bad Request",
      status: 400,
      violations: [{ field: "a", message: "b" }]
    })
  ],
  [
    "application/json",
    JSON.stringify({ code: 429, message: "Too Many Requests", reason: "TooManyRequests", retryAfter: 2 })
  ],
  [
    "application/json",
    JSON.stringify({
      error: {
        code: 400,
        message: "bad",
        status: "INVALID_ARGUMENT",
        details: [
          { "@type": "type.googleapis.com/google.rpc.BadRequest", fieldViolations: [{ field: "x", description: "y" }] },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2.5s" },
          { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "R", domain: "d", metadata: { a: "b" } }
        ]
      }
    })
  ],
  [
    "application/x-amz-json-1.1",
    JSON.stringify({ __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", message: "gone" })
  ],
  [
    "text/xml",
    "<?xml version=\"1.0\"?><Response><Errors><Error><Code>Client.InvalidInstanceID.NotFound</Code><Message>no &amp; such</Message><Details>{\"fields\":{\"id\":\"i-1\"},\"retryAfter\":1}</Details></Error></Errors><RequestID>r-1</RequestID></Response>"
  ],
  [
    "application/xml",
    "<Error><Code>NoSuchKey</Code><Message><![CDATA[The <key>]]></Message><RequestId>X</RequestId></Error>"
  ],
  [
    "text/xml",
    "<ErrorResponse xmlns=\"x\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>q</RequestId></ErrorResponse>"
  ],
  [
    "text/html",
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title><style>p{}</style></head><body><script>x<y</script><h1>502 &amp; Bad</h1></body></html>"
  ],
  ["text/plain", "upstream connect error or disconnect/reset before headers"],
  ["", ""]
]

const contentTypes = [
  "application/problem+json",
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "text/html",
  "application/xml",
  "text/xml",
  "application/x-amz-json-1.0",
  "application/octet-stream",
  "",
  "APPLICATION/JSON",
  "multipart/form-data; boundary=x",
  ";;;",
  "application/problem+json;;charset=\"",
  "image/png"
]

const hostileValues = [
  "",
  " ",
  "0",
  "-1",
  "1e309",
  "NaN",
  "99999999999999999999",
  "Wed, 21 Oct 2015 07:28:00 GMT",
  "Fri, 31 Dec 9999 23:59:59 GMT",
  "\u0000",
  "x".repeat(5000),
  "{\"a\":1}",
  "<x>",
  "__proto__",
  "constructor"
]

/** A body: a seed as is, truncated, with bytes flipped, with random insertions, or plain random. */
const body: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...seeds.map(([, b]) => b)),
  fc.tuple(fc.constantFrom(...seeds.map(([, b]) => b)), fc.nat()).map(([b, n]) => b.slice(0, n % (b.length + 1))),
  fc.tuple(
    fc.constantFrom(...seeds.map(([, b]) => b)),
    fc.array(fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 })), { maxLength: 6 })
  )
    .map(([b, edits]) =>
      edits.reduce((s, [at, x]) => {
        const i = at % (s.length + 1)
        return s.slice(0, i) + x + s.slice(i + 1)
      }, b)
    ),
  fc.json({ maxDepth: 4 }),
  fc.object({ maxDepth: 3 }).map((o) => JSON.stringify({ error: o, type: o, code: o, __type: o, status: o })),
  fc.anything({ maxDepth: 3 }).map((v) => {
    try {
      return JSON.stringify(v) ?? ""
    } catch {
      return ""
    }
  }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => new TextDecoder().decode(b)),
  fc.nat({ max: 3000 }).map((n) => "[".repeat(n)),
  fc.nat({ max: 16 * 1024 }).map((n) => `{"error":{"message":"${"m".repeat(n)}`),
  fc.constantFrom(
    "<Error><Code>",
    "<Response><Errors><Error><Code>A</Code>",
    "<html",
    "<title>t",
    "{\"type\":",
    "\uFEFF{\"type\":\"x\",\"title\":\"y\"}"
  )
)

const headers = fc.record({
  "content-type": fc.oneof(fc.constantFrom(...contentTypes), fc.string({ maxLength: 40 })),
  "retry-after": fc.option(fc.oneof(fc.constantFrom(...hostileValues), fc.string({ maxLength: 30 })), {
    nil: undefined
  }),
  "x-correlator": fc.option(fc.oneof(fc.constantFrom(...hostileValues), fc.uuid()), { nil: undefined }),
  "x-amzn-errortype": fc.option(fc.constantFrom(...hostileValues, "ThrottlingException:http://x", "#"), {
    nil: undefined
  }),
  "x-amzn-requestid": fc.option(fc.constantFrom(...hostileValues), { nil: undefined })
}, { requiredKeys: ["content-type"] })

// what a hostile runtime (or a user's own client layer) might put in a header record: not only strings
const oddHeaders = fc.record({
  "content-type": fc.oneof(
    fc.constant(["application/json", "text/html"]),
    fc.constant(42),
    fc.constant(null),
    fc.constant({ toString: 1 })
  ),
  "retry-after": fc.oneof(fc.constant(["1", "2"]), fc.constant(7), fc.constant(undefined)),
  "x-correlator": fc.oneof(fc.constant(["a", "b"]), fc.constant(0), fc.constant(undefined))
})

const incoming = fc.record({
  status: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom(0, -1, 1000, 404.5, Number.NaN)),
  headers: fc.oneof({ weight: 19, arbitrary: headers }, { weight: 1, arbitrary: oddHeaders as fc.Arbitrary<any> }),
  body,
  truncated: fc.boolean()
})

const encodeBuiltin = Schema.encodeUnknownSync(Fault.BuiltinSchema)

/** The fault must be a fault, fully usable: its getters, its public view, and its schema encoding. */
const checkFault = (f: unknown) => {
  // plain checks, not chai: this runs 100 000 times
  if (!Fault.isFault(f)) throw new Error(`not a fault: ${String(f)}`)
  const fault = f as Fault.Fault
  if (typeof fault._tag !== "string" || typeof fault.message !== "string" || typeof fault.expected !== "string") {
    throw new Error(`unusable fault ${fault._tag}`)
  }
  if (!Number.isInteger(fault.status)) throw new Error(`status ${fault.status}`)
  Exposure.view(fault)
  encodeBuiltin(fault)
}

describe("Client decoding never throws", () => {
  it("generated and mutated responses never throw and always decode to a typed, encodable fault", () => {
    const now = Date.parse("2026-11-25T12:00:00Z")
    fc.assert(
      fc.property(incoming, fc.constantFrom("distrust" as const, "trust" as const), (i, mode) => {
        const f = Client.decode(i as any, {
          mode,
          catalog: Catalog.builtin,
          now,
          url: "http://x/y",
          sentCorrelationId: "c-0"
        })
        checkFault(f)
        if (f._tag === "InternalError") {
          throw new Error(`decode fell back to InternalError for ${JSON.stringify(i).slice(0, 300)}`)
        }
      }),
      { numRuns: 100_000, seed: 4242 }
    )
  }, 120_000)
})

describe("error bodies are parsed once", () => {
  // what `wire.parseObject` answered when it called JSON.parse itself
  const reference = (text: string): Record<string, unknown> | undefined => {
    try {
      const value: unknown = JSON.parse(text)
      return typeof value === "object" && value !== null && !Array.isArray(value) ? value as any : undefined
    } catch {
      return undefined
    }
  }

  it("wire.parseObject and bodyObject answer as JSON.parse does, prefixes (BOM, control characters) included", () => {
    const prefix = fc.string({
      unit: fc.constantFrom(" ", "\t", "\n", "\r", "\uFEFF", "\u000B", "\u000C", "\u0000")
    })
    fc.assert(
      fc.property(prefix, fc.oneof(body, fc.json({ maxDepth: 2 })), (p, b) => {
        assert.deepStrictEqual(wire.parseObject(p + b), reference(p + b))
        assert.deepStrictEqual(wire.bodyObject({ body: p + b }), reference(p + b))
      }),
      { numRuns: 5000, seed: 7 }
    )
  })

  it("the parse is kept per response: two responses with the same body never share one parsed value", () => {
    const text = JSON.stringify({ code: "E", fields: { list: [1, 2] } })
    const one = { body: text }
    assert.strictEqual(wire.bodyObject(one), wire.bodyObject(one))
    const other = { body: text }
    assert.notStrictEqual(wire.bodyObject(other), wire.bodyObject(one))
    assert.deepStrictEqual(wire.bodyObject(other), wire.bodyObject(one))
  })

  it("Client.recognise runs JSON.parse once for a JSON body every JSON dialect tries", () => {
    // no dialect recognises it: problem (lenient), google, code-message and aws each read it
    const text = JSON.stringify({ unrecognised: `once-${Math.random()}` })
    const parse = vi.spyOn(JSON, "parse")
    try {
      const r = Client.recognise({
        status: 500,
        headers: { "content-type": "application/json" },
        body: text,
        truncated: false
      })
      assert.isUndefined(r)
      assert.strictEqual(parse.mock.calls.filter(([t]) => t === text).length, 1)
      // a problem body whose content type lies: read as what it looks like, still parsed once
      const lying = JSON.stringify({
        type: "urn:fault:NotFound",
        title: "Not found",
        status: 404,
        code: "NotFound",
        note: `once-${Math.random()}`
      })
      for (const contentType of ["text/plain", "application/octet-stream"]) {
        parse.mockClear()
        const received = Client.recognise({
          status: 404,
          headers: { "content-type": contentType },
          body: lying,
          truncated: false
        })
        assert.strictEqual(received?.code, "NotFound", contentType)
        assert.strictEqual(parse.mock.calls.filter(([t]) => t === lying).length, 1, contentType)
      }
    } finally {
      parse.mockRestore()
    }
  })
})

/** A raw TCP server that writes whatever response bytes the test hands it. */
const rawServer = async () => {
  let next: Buffer = Buffer.alloc(0)
  const server = net.createServer((socket) => {
    socket.on("error", () => {})
    socket.once("data", () => {
      socket.end(next)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    respond: (bytes: Buffer) => {
      next = bytes
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

const headerValue = fc.oneof(
  fc.constantFrom(...hostileValues.filter((v) => !v.includes("\u0000"))),
  fc.string({ maxLength: 30 })
)
  .map((v) => v.replace(/[\r\n]/g, ""))
const rawResponse = fc.record({
  status: fc.integer({ min: 200, max: 599 }),
  contentType: fc.constantFrom(...contentTypes),
  extra: fc.array(
    fc.tuple(
      fc.constantFrom("retry-after", "x-correlator", "x-amzn-errortype", "content-encoding", "transfer-encoding"),
      headerValue
    ),
    { maxLength: 3 }
  ),
  body,
  cut: fc.option(fc.nat(), { nil: undefined }),
  lengthLie: fc.integer({ min: -5, max: 5 })
}).map(({ status, contentType, extra, body, cut, lengthLie }) => {
  const bytes = Buffer.from(body, "utf8")
  const head = [
    `HTTP/1.1 ${status} X`,
    `content-type: ${contentType}`,
    `content-length: ${Math.max(0, bytes.length + lengthLie)}`,
    "connection: close",
    ...extra.map(([k, v]) => `${k}: ${v}`)
  ]
  const all = Buffer.concat([Buffer.from(head.join("\r\n") + "\r\n\r\n", "latin1"), bytes])
  return cut === undefined ? all : all.subarray(0, cut % (all.length + 1))
})

for (const [name, clientLayer] of Support.clientLayers) {
  describe(`Client over ${name}, against raw responses`, () => {
    it.effect(
      "150 raw responses (bad framing, lying lengths, cut connections) → success or a fault, never a defect",
      () =>
        Effect.gen(function*() {
          const server = yield* Effect.promise(rawServer)
          const samples = fc.sample(rawResponse, { numRuns: 150, seed: 7 })
          const client = yield* Client.make({ timeout: "2 seconds" })
          let faults = 0
          for (const bytes of samples) {
            server.respond(bytes)
            const exit = yield* Effect.exit(client.get(server.url).pipe(Effect.flatMap(Client.bodyText())))
            if (Exit.isFailure(exit)) {
              assert.isFalse(Cause.hasDies(exit.cause), `a defect for ${bytes.toString("latin1").slice(0, 200)}`)
              const error = Cause.squash(exit.cause)
              checkFault(error)
              faults++
            }
          }
          yield* Effect.promise(server.close)
          assert.isAbove(faults, 50)
        }).pipe(Effect.provide(Layer.merge(clientLayer, Report.layer(Report.silent))), Effect.timeout("55 seconds")),
      { timeout: 60_000 }
    )
  })
}
