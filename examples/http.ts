/**
 * Tour, chapter 3: the HTTP server side.
 *
 * 1. The gateway of the OAS error-message guide: a server that calls a "device" server on loopback
 *    and answers every upstream failure with the guide's gateway codes — unreachable device → 532,
 *    wrong types → 502, corrupted data → 530, authentication at the upstream failed → 531 — with the
 *    `{code, message}` body, `x-correlator` and `exec-time`; its OpenAPI (components.responses from
 *    `Catalog.gateway`, referenced by `$ref`) is written to a file.
 * 2. An EC2-style API answering in the XML dialect, with a user-defined fault whose code follows the
 *    `_` → `.` rule and an `ec2` override; the client reads the XML back into the typed fault.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Schema } from "effect"
import { Catalog, Fault, Report } from "effect-faults"
import { Client, CodeMessage, Ec2, Middleware, OpenApi } from "effect-faults/http"
import { FetchHttpClient, HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApi as EffectHttpApi, HttpApiEndpoint, HttpApiGroup, OpenApi as EffectOpenApi } from "effect/http-api"
import { mkdirSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

const quiet = { disableListenLog: true, disableLogger: true } as const
const loopback = () => NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })
const baseUrl = Effect.map(HttpServer.HttpServer, (s) => HttpServer.formatAddress(s.address))

// -----------------------------------------------------------------------------
// The device: answers well, with wrong types, with corrupted data, or refuses our credentials
// -----------------------------------------------------------------------------

const Device = HttpRouter.serve(
  Layer.mergeAll(
    HttpRouter.add("GET", "/sensors/ok", HttpServerResponse.jsonUnsafe({ sensor: "t1", celsius: 21.5 })),
    HttpRouter.add("GET", "/sensors/wrong-types", HttpServerResponse.jsonUnsafe({ sensor: "t1", celsius: "warm" })),
    HttpRouter.add(
      "GET",
      "/sensors/corrupted",
      HttpServerResponse.text(`{"sensor":"t1","cels`, { contentType: "application/json" })
    ),
    HttpRouter.add(
      "GET",
      "/sensors/auth",
      Effect.fail(new Fault.Unauthenticated({ scheme: "Bearer", realm: "device" }))
    ),
    Middleware.layer()
  ),
  quiet
).pipe(Layer.provideMerge(loopback()))

// -----------------------------------------------------------------------------
// The gateway: calls the device with the fault client, lets every fault through to the middleware
// -----------------------------------------------------------------------------

const Reading = Schema.Struct({ sensor: Schema.String, celsius: Schema.Number })

const gateway = (deviceUrl: string) =>
  HttpRouter.serve(
    Layer.mergeAll(
      HttpRouter.add(
        "GET",
        "/readings/:case",
        Effect.gen(function*() {
          const { case: which } = yield* HttpRouter.params
          const client = yield* Client.Client
          const url = which === "unreachable" ? "http://127.0.0.1:1/sensors/ok" : `${deviceUrl}/sensors/${which}`
          const reading = yield* client.get(url).pipe(Effect.flatMap(Client.bodyJson(Reading)))
          return HttpServerResponse.jsonUnsafe(reading)
        })
      ),
      // the gateway speaks the OAS guide's body; built-in faults map to its codes by the catalog's rules
      Middleware.layer({ dialects: [CodeMessage.make({ details: false })], catalog: Catalog.gateway })
    ),
    quiet
  ).pipe(
    Layer.provide(Client.layer({ trust: "trust", catalog: Catalog.builtin, timeout: "2 seconds" })),
    Layer.provide(FetchHttpClient.layer),
    Layer.provideMerge(loopback())
  )

// The gateway's API description, for OpenAPI.
class Readings extends HttpApiGroup.make("readings").add(
  HttpApiEndpoint.get("getReading", "/readings/:case", { params: { case: Schema.String }, success: Reading })
) {}
class GatewayApi extends EffectHttpApi.make("gateway").add(Readings) {}

// -----------------------------------------------------------------------------
// The EC2-style API
// -----------------------------------------------------------------------------

// Code "InvalidInstanceID.NotFound" by the `_` → `.` rule; 400 and a fixed message in the ec2 dialect.
class InvalidInstanceID_NotFound extends Fault.define<InvalidInstanceID_NotFound>()("InvalidInstanceID_NotFound", {
  instanceId: Schema.String
}, {
  category: "application",
  expected: "FixRequest",
  status: 404,
  message: (self) => `The instance ID '${self.instanceId}' does not exist`,
  dialects: { ec2: { status: 400 } }
}) {}

const Ec2Api = HttpRouter.serve(
  Layer.mergeAll(
    HttpRouter.add(
      "GET",
      "/",
      Effect.gen(function*() {
        const { InstanceId } = yield* HttpServerRequest.schemaSearchParams(
          Schema.Struct({ Action: Schema.Literal("DescribeInstances"), InstanceId: Schema.String })
        )
        if (InstanceId !== "i-0123456789") return yield* new InvalidInstanceID_NotFound({ instanceId: InstanceId })
        return HttpServerResponse.text(
          `<DescribeInstancesResponse><instanceId>${InstanceId}</instanceId></DescribeInstancesResponse>`,
          { contentType: "application/xml" }
        )
      })
    ),
    Middleware.layer({ dialects: [Ec2.make({ prefix: true })] })
  ),
  quiet
).pipe(Layer.provideMerge(loopback()))

const show = (label: string, res: { status: number; headers: Headers; body: string }) =>
  console.log(
    `  ${label.padEnd(12)} → ${res.status} ${res.body}\n${" ".repeat(17)}x-correlator: ${
      res.headers.get("x-correlator")
    }  exec-time: ${res.headers.get("exec-time")}ms`
  )

const fetchText = (url: string, init?: RequestInit) =>
  Effect.promise(async () => {
    const res = await fetch(url, init)
    return { status: res.status, headers: res.headers, body: await res.text() }
  })

export async function run() {
  console.log("\n=== 3. HTTP server: the OAS guide's gateway, and an EC2-style XML API ===")
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function*() {
        const deviceUrl = yield* baseUrl.pipe(Effect.provide(yield* Layer.build(Device)))
        const gatewayUrl = yield* baseUrl.pipe(Effect.provide(yield* Layer.build(gateway(deviceUrl))))
        console.log(`  device on ${deviceUrl}, gateway on ${gatewayUrl}`)
        for (const which of ["ok", "unreachable", "wrong-types", "corrupted", "auth"]) {
          show(
            which,
            yield* fetchText(`${gatewayUrl}/readings/${which}`, { headers: { "x-correlator": crypto.randomUUID() } })
          )
        }

        const spec = OpenApi.merge(EffectOpenApi.fromApi(GatewayApi), Catalog.gateway)
        const dir = join(tmpdir(), "effect-faults")
        mkdirSync(dir, { recursive: true })
        const file = join(dir, "gateway-openapi.json")
        writeFileSync(file, JSON.stringify(spec, null, 2))
        const op = (spec.paths as any)["/readings/{case}"].get
        console.log(
          `  OpenAPI written to ${file}: ${
            Object.keys(spec.components.responses).length
          } components.responses, GET /readings/{case} → 532 ${JSON.stringify(op.responses["532"])}`
        )

        const ec2Url = yield* baseUrl.pipe(Effect.provide(yield* Layer.build(Ec2Api)))
        const answer = yield* fetchText(`${ec2Url}/?Action=DescribeInstances&InstanceId=i-nope`)
        show("EC2", answer)
        // the client reads the XML back: trust mode with a catalog that knows the user's fault
        const decoded = Client.decode(
          { status: answer.status, headers: Object.fromEntries(answer.headers), body: answer.body, truncated: false },
          { mode: "trust", catalog: Catalog.fromFaults([InvalidInstanceID_NotFound]), now: Date.now() }
        )
        console.log(
          `  decoded by the client: ${decoded._tag} instanceof InvalidInstanceID_NotFound=${
            decoded instanceof InvalidInstanceID_NotFound
          } origin=${decoded.origin} message="${decoded.message}"`
        )
      })
    ).pipe(Effect.provide(Report.layer(Report.silent)))
  )
}

if (process.argv[1] === new URL(import.meta.url).pathname) await run()
