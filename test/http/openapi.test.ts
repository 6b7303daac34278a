import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it, layer } from "@effect/vitest"
import { Validator } from "@seriousme/openapi-schema-validator"
import { Effect, Layer, Schema } from "effect"
import { Catalog, Fault, Report } from "effect-faults"
import { HttpApi, Middleware, OpenApi } from "effect-faults/http"
import { FetchHttpClient, HttpRouter, HttpServer } from "effect/http"
import {
  HttpApi as EffectHttpApi,
  HttpApiBuilder,
  HttpApiClient,
  HttpApiEndpoint,
  HttpApiGroup,
  OpenApi as EffectOpenApi
} from "effect/http-api"
import { createServer } from "node:http"

const validate = async (spec: unknown) => {
  const validator = new Validator()
  const res = await validator.validate(JSON.parse(JSON.stringify(spec)))
  return { valid: res.valid, errors: JSON.stringify(res.errors ?? []).slice(0, 2000), version: validator.version }
}

class Devices extends HttpApiGroup.make("devices").add(
  HttpApiEndpoint.get("getDevice", "/devices/:id", {
    params: { id: Schema.String },
    success: Schema.Struct({ id: Schema.String, temperature: Schema.Number }),
    error: [HttpApi.error(Fault.NotFound), HttpApi.error(Fault.RateLimited)]
  }),
  HttpApiEndpoint.get("listDevices", "/devices", {
    query: { limit: Schema.FiniteFromString },
    success: Schema.Array(Schema.String)
  })
) {}
class Api extends EffectHttpApi.make("gateway").add(Devices) {}

describe("OpenAPI from a catalog", () => {
  it("HttpApi.errors declares every catalogued fault class with the catalog's status", () => {
    const catalog = Catalog.make([
      ...Catalog.fromFaults([Fault.NotFound, Fault.Conflict]).entries,
      { ...Catalog.entryOf(Fault.RateLimited), status: 503, title: "Slow down" },
      { code: "NoClass", status: 418, title: "x", description: "y" }
    ])
    const schemas = HttpApi.errors(catalog)
    assert.deepStrictEqual(schemas.map((s) => (s.ast.annotations as any).httpApiStatus), [404, 409, 503])
    class Orders extends HttpApiGroup.make("orders").add(
      HttpApiEndpoint.put("putOrder", "/orders/:id", { params: { id: Schema.String }, error: schemas })
    ) {}
    const op = (EffectOpenApi.fromApi(EffectHttpApi.make("o").add(Orders)).paths as any)["/orders/{id}"].put
    assert.includeMembers(Object.keys(op.responses), ["404", "409", "503"])
  })

  it("components.responses exactly as the OAS guide asks (532 and 429 of the gateway catalog)", () => {
    const responses = OpenApi.responses(Catalog.gateway)
    assert.deepStrictEqual(Object.keys(responses), [
      "429",
      "460",
      "461",
      "470",
      "471",
      "502",
      "530",
      "531",
      "532",
      "533",
      "550"
    ])
    const r532 = responses["532"]!
    assert.match(r532.description, /^Response in case the server is acting as a gateway/)
    const schema = r532.content["application/json"]!.schema as any
    assert.deepStrictEqual(schema.required, ["code", "message"])
    assert.deepStrictEqual(schema.properties.code, { type: "integer", format: "int32", minimum: 532, maximum: 532 })
    assert.deepStrictEqual(schema.properties.message, {
      type: "string",
      enum: ["Bad Gateway. Upstream server not responding."]
    })
    assert.deepStrictEqual(r532.headers["x-correlator"]!.schema, {
      type: "string",
      pattern: "^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$"
    })
    assert.deepStrictEqual(r532.headers["exec-time"]!.schema, { type: "integer" })
    assert.isUndefined(r532.headers["Retry-After"])
    assert.isDefined(responses["429"]!.headers["Retry-After"])
  })

  it("expectation-to-the-client is a required single-value enum when the entry has one", () => {
    const catalog = Catalog.make([{
      code: "Busy",
      status: 429,
      title: "Busy",
      description: "Response to be sent whenever the queue is full.",
      expectation: "Please try again later",
      headers: ["retry-after"]
    }])
    const schema = OpenApi.responses(catalog)["429"]!.content["application/json"]!.schema as any
    assert.deepStrictEqual(schema.required, ["code", "message", "expectation-to-the-client"])
    assert.deepStrictEqual(schema.properties["expectation-to-the-client"], {
      type: "string",
      enum: ["Please try again later"]
    })
  })

  it("merged into OpenApi.fromApi: operations reference the responses by $ref, and the document validates (OpenAPI 3.1)", async () => {
    const spec = OpenApi.merge(EffectOpenApi.fromApi(Api), Catalog.gateway)
    const op = (spec.paths as any)["/devices/{id}"].get
    for (const status of ["429", "502", "530", "531", "532"]) {
      assert.deepStrictEqual(op.responses[status], { $ref: `#/components/responses/${status}` })
    }
    // the HttpApi-declared fault errors stay documented as problems
    assert.deepStrictEqual(Object.keys(op.responses["404"].content), ["application/problem+json"])
    const result = await validate(spec)
    assert.isTrue(result.valid, result.errors)
    assert.strictEqual(result.version, "3.1")
  })

  it("the built-in catalog (statuses shared by several faults → oneOf) validates too, and operations can be selected", async () => {
    const spec = OpenApi.merge(EffectOpenApi.fromApi(Api), Catalog.builtin, {
      operations: () => ["Unreachable", "RateLimited"]
    })
    const op = (spec.paths as any)["/devices/{id}"].get
    assert.deepStrictEqual(op.responses["502"], { $ref: "#/components/responses/502" })
    assert.isUndefined(op.responses["401"])
    const r502 = spec.components.responses["502"]!
    assert.isAbove((r502.content["application/json"]!.schema as any).oneOf.length, 1)
    const result = await validate(spec)
    assert.isTrue(result.valid, result.errors)
  })
})

const reported: Array<string> = []
const DevicesLive = HttpApiBuilder.group(
  Api,
  "devices",
  (h) =>
    h.handle("getDevice", ({ params }) =>
      params.id === "missing"
        ? Effect.fail(new Fault.NotFound({ resource: "device", id: params.id }))
        : params.id === "busy"
        ? Effect.fail(new Fault.RateLimited({ retryAfterMs: 1000 }))
        : Effect.succeed({ id: params.id, temperature: 21.5 })).handle("listDevices", () => Effect.succeed(["d1"]))
)
const ServerLive = HttpRouter.serve(
  Layer.mergeAll(HttpApiBuilder.layer(Api).pipe(Layer.provide(DevicesLive)), Middleware.layer()),
  { disableListenLog: true, disableLogger: true }
).pipe(
  Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  Layer.provide(Report.layer({ handled: (f) => Effect.sync(() => reported.push(f.code)) }))
)

layer(Layer.merge(ServerLive, FetchHttpClient.layer))(
  "HttpApi renders, and its client decodes, a declared fault",
  (it) => {
    it.effect("problem+json with the fault's status and code; HttpApiClient gets the fault class back, received", () =>
      Effect.gen(function*() {
        const base = HttpServer.formatAddress((yield* HttpServer.HttpServer).address)
        const raw = yield* Effect.promise(() => fetch(`${base}/devices/missing`))
        assert.strictEqual(raw.status, 404)
        assert.strictEqual(raw.headers.get("content-type"), "application/problem+json")
        // the global middleware still adds correlation and exec-time
        assert.match(raw.headers.get("x-correlator")!, /^[0-9a-f-]{36}$/)
        assert.match(raw.headers.get("exec-time")!, /^\d+$/)
        const body = yield* Effect.promise(() => raw.json())
        assert.deepInclude(body, {
          code: "NotFound",
          status: 404,
          detail: "device 'missing' not found",
          correlationId: raw.headers.get("x-correlator")
        })

        const client = yield* HttpApiClient.make(Api, { baseUrl: base })
        const e = yield* Effect.flip(client.devices.getDevice({ params: { id: "missing" } }))
        assert.instanceOf(e, Fault.NotFound)
        assert.strictEqual((e as Fault.NotFound).id, "missing")
        assert.strictEqual((e as Fault.NotFound).origin, "remote")
        const busy = yield* Effect.flip(client.devices.getDevice({ params: { id: "busy" } }))
        assert.instanceOf(busy, Fault.RateLimited)
        assert.strictEqual((busy as Fault.RateLimited).retryAfterMs, 1000)
        const ok = yield* client.devices.getDevice({ params: { id: "d1" } })
        assert.deepStrictEqual(ok, { id: "d1", temperature: 21.5 })
        assert.deepStrictEqual(reported, ["NotFound", "NotFound", "RateLimited"]) // rendering a declared fault reports it as handled
      }))

    it.effect("an HttpApi request that fails its schema: the middleware answers 400 SchemaViolation with the field", () =>
      Effect.gen(function*() {
        const base = HttpServer.formatAddress((yield* HttpServer.HttpServer).address)
        const res = yield* Effect.promise(() => fetch(`${base}/devices?limit=many`))
        assert.strictEqual(res.status, 400)
        assert.strictEqual(res.headers.get("content-type"), "application/problem+json")
        const body = yield* Effect.promise(() => res.json())
        assert.strictEqual(body.code, "SchemaViolation")
        assert.deepStrictEqual(body.violations.map((v: { field: string }) => v.field), ["query.limit"])
      }))
  }
)
