/**
 * HTTP server: CPU time per response, measured in the SERVER process (a child, pinned to one core
 * with `taskset` when available) while autocannon loads it from this process on loopback. Ratios
 * from one run:
 *
 * (a) success path: our middleware vs no middleware (goal ≤ 1.05x);
 * (b) error path: our middleware vs a hand-written catch → problem+json global middleware (goal ≤
 *     1.05x), and vs HttpApi's own declared-Problem path (ours should be clearly cheaper);
 * (c) encode: public view + dialect encode vs `JSON.stringify` of the same object (goal ≤ 1.5x),
 *     and decode of a problem+json body into a typed fault vs `JSON.parse` (goal ≤ 2x).
 *
 * `npm run bench -- http`; the child mode is `node bench/http.ts --server <kind>`.
 */
import { Catalog, Exposure, Fault, Report, Trust } from "effect-faults"
import { CodeMessage, Ec2, Middleware, Problem } from "effect-faults/http"
import { fork } from "node:child_process"
import { existsSync } from "node:fs"
import { createServer } from "node:http"
import { fileURLToPath } from "node:url"
import { compare, cpuInterleaved, interleaved, type Measure, section } from "./harness.ts"

const self = fileURLToPath(import.meta.url)
const kinds = [
  "bare-ok",
  "bare-ok-headers",
  "ours-ok",
  "handwritten-error",
  "handwritten-error-nostack",
  "ours-error",
  "httpapi-problem"
] as const
type Kind = (typeof kinds)[number]

// -----------------------------------------------------------------------------
// Server side (child process)
// -----------------------------------------------------------------------------

// The apps under test, shared by the child servers and the in-process measurement.
const appOf = async (kind: Kind): Promise<any> => {
  const { Context, Effect, Layer, Schema } = await import("effect")
  const { HttpRouter, HttpServerRequest, HttpServerResponse } = await import("effect/http")
  const { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiError, HttpApiGroup } = await import("effect/http-api")

  class UpstreamUnavailable
    extends Schema.TaggedError<UpstreamUnavailable>()("UpstreamUnavailable", { reason: Schema.String })
  {}
  class UpstreamUnavailableNoStack
    extends Schema.TaggedError<UpstreamUnavailableNoStack>()("UpstreamUnavailableNoStack", { reason: Schema.String })
  {
    constructor(props: { readonly reason: string }) {
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      try {
        super(props)
      } finally {
        Error.stackTraceLimit = limit
      }
    }
  }
  // What a user writes today: a global middleware that catches the tagged error and writes a problem.
  const handWritten = HttpRouter.middleware((effect: any) =>
    Effect.gen(function*() {
      const req = yield* HttpServerRequest.HttpServerRequest
      const cid = req.headers["x-correlator"] ?? crypto.randomUUID()
      const problem = (e: { readonly reason: string }) =>
        Effect.succeed(HttpServerResponse.jsonUnsafe(
          {
            type: "about:blank",
            title: "Service unavailable",
            status: 503,
            detail: `service unavailable (${e.reason})`,
            correlationId: cid
          },
          {
            status: 503,
            contentType: "application/problem+json",
            headers: { "retry-after": "7", "x-correlator": cid }
          }
        ))
      return yield* effect.pipe(
        Effect.catchTags({ UpstreamUnavailable: problem, UpstreamUnavailableNoStack: problem })
      )
    }), { global: true } as any) as any

  const ok = HttpRouter.add(
    "GET",
    "/",
    Effect.sync(() => HttpServerResponse.jsonUnsafe({ id: "42", temperature: 21.5 }))
  )
  const fail = (e: () => unknown) => HttpRouter.add("GET", "/", Effect.suspend(() => Effect.fail(e())))

  class ServiceUnavailable extends HttpApiError.Problem<ServiceUnavailable>()("ServiceUnavailable", {
    type: "about:blank",
    status: 503,
    title: "Service unavailable"
  }, { correlationId: Schema.String }) {}
  class Things extends HttpApiGroup.make("things").add(
    HttpApiEndpoint.get("get", "/", { success: Schema.Struct({ id: Schema.String }), error: ServiceUnavailable })
  ) {}
  class Api extends HttpApi.make("bench").add(Things) {}

  return {
    "bare-ok": ok,
    // the least a hand-written global middleware does for the same two headers (echo or a UUID, a timer)
    "bare-ok-headers": Layer.mergeAll(
      ok,
      (HttpRouter.middleware as any)((effect: any) =>
        Effect.withFiber((fiber: any) => {
          const t0 = performance.now()
          const req = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
          const cid = req.headers["x-correlator"] ?? crypto.randomUUID()
          return Effect.map(effect, (res: any) =>
            HttpServerResponse.setHeader(
              HttpServerResponse.setHeader(res, "x-correlator", cid),
              "exec-time",
              String(Math.round(performance.now() - t0))
            ))
        }), { global: true })
    ),
    "ours-ok": Layer.mergeAll(ok, Middleware.layer()),
    "handwritten-error": Layer.mergeAll(fail(() => new UpstreamUnavailable({ reason: "maintenance" })), handWritten),
    "handwritten-error-nostack": Layer.mergeAll(
      fail(() => new UpstreamUnavailableNoStack({ reason: "maintenance" })),
      handWritten
    ),
    "ours-error": Layer.mergeAll(
      fail(() => new Fault.Unavailable({ reason: "maintenance", retryAfterMs: 7000 })),
      Middleware.layer()
    ),
    "httpapi-problem": HttpApiBuilder.layer(Api).pipe(
      Layer.provide(HttpApiBuilder.group(Api, "things", (h) =>
        h.handle("get", () =>
          Effect.fail(
            new ServiceUnavailable({ detail: "service unavailable (maintenance)", correlationId: crypto.randomUUID() })
          ))))
    )
  }[kind]
}

const serve = async (kind: Kind) => {
  const { NodeHttpServer } = await import("@effect/platform-node")
  const { Effect, Layer } = await import("effect")
  const { HttpRouter, HttpServer } = await import("effect/http")
  const app = await appOf(kind)
  const quiet = { disableListenLog: true, disableLogger: true }
  const node = NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })
  const Live = HttpRouter.serve(app, quiet).pipe(
    Layer.provideMerge(node),
    Layer.provide(Report.layer(Report.silent))
  ) as any
  await Effect.runPromise(Effect.scoped(
    Effect.gen(function*() {
      const { address } = yield* HttpServer.HttpServer
      process.send!({ port: (address as any).port })
      let t0 = process.cpuUsage()
      yield* Effect.callback<void>((resume) => {
        process.on("message", (m: string) => {
          if (m === "start") t0 = process.cpuUsage()
          if (m === "stop") {
            const t = process.cpuUsage(t0)
            t0 = process.cpuUsage() // the next measurement starts here
            process.send!({ cpuMicros: t.user + t.system })
          }
          if (m === "exit") resume(Effect.void)
        })
      })
    }).pipe(Effect.provide(Live))
  ) as any)
  process.exit(0)
}

// -----------------------------------------------------------------------------
// Load side (this process)
// -----------------------------------------------------------------------------

interface Server {
  readonly kind: Kind
  readonly url: string
  readonly cpu: () => Promise<number>
  readonly close: () => Promise<void>
}

const pinned = async (): Promise<boolean> => {
  if (!existsSync("/usr/bin/taskset")) return false
  const { execFileSync } = await import("node:child_process")
  try {
    // the load generator (this process) stays on core 0, the servers get core 1
    execFileSync("taskset", ["-pc", "0", String(process.pid)], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
}

const start = async (kind: Kind, pin: boolean): Promise<Server> => {
  const child = fork(self, ["--server", kind], {
    execArgv: ["--conditions=source"],
    ...(pin ? { execPath: "taskset", execArgv: ["-c", "1", process.execPath, "--conditions=source"] } : {})
  } as any)
  const message = <A>(pred: (m: any) => boolean) =>
    new Promise<A>((resolve) => {
      const on = (m: unknown) => {
        if (pred(m)) {
          child.off("message", on)
          resolve(m as A)
        }
      }
      child.on("message", on)
    })
  const { port } = await message<{ port: number }>((m) => typeof m?.port === "number")
  return {
    kind,
    url: `http://127.0.0.1:${port}/`,
    cpu: async () => {
      const reply = message<{ cpuMicros: number }>((m) => typeof m?.cpuMicros === "number")
      child.send("stop")
      return (await reply).cpuMicros
    },
    close: async () => {
      child.send("exit")
      await new Promise((r) => child.on("exit", r))
    }
  }
}

const headers = { "x-correlator": "3fa85f64-5717-4562-b3fc-2c963f66afa6", accept: "application/problem+json" }

// One measurement: warm up, then CPU µs of the server process per response under load.
const measure = async (server: Server, seconds: number) => {
  const name = "autocannon" // untyped package: keep it out of the type checker's module resolution
  const autocannon = (await import(name)).default as any
  await autocannon({ url: server.url, connections: 32, duration: 0.5, headers })
  await server.cpu() // resets the server's counter
  const result = await autocannon({ url: server.url, connections: 32, duration: seconds, headers })
  const cpuMicros = await server.cpu()
  const responses = result.requests.total as number
  const statuses = Object.entries({ "2xx": result["2xx"], "4xx": result["4xx"], "5xx": result["5xx"] })
    .filter(([, n]) => (n as number) > 0).map(([k]) => k).join(" ")
  return { ns: (cpuMicros * 1000) / responses, rps: responses / seconds, statuses }
}

export async function run() {
  await runServer()
  await runInProcess()
  await runCodec()
}

/** The servers under load: CPU per response in the server process. */
export async function runServer() {
  const seconds = Number(process.env.BENCH_HTTP_SECONDS ?? 1)
  const rounds = Number(process.env.BENCH_HTTP_ROUNDS ?? 5)
  const pin = await pinned()
  section(
    `http server: server CPU per response (best of ${rounds} interleaved rounds: the least disturbed on a shared machine), autocannon -c 32 for ${seconds}s each on loopback${
      pin ? ", servers on core 1, load on core 0" : ""
    }`
  )
  // BENCH_HTTP_KINDS=bare-ok,ours-ok measures only those servers (the comparisons that need others are skipped)
  const only = process.env.BENCH_HTTP_KINDS?.split(",")
  const chosen = only === undefined ? kinds : kinds.filter((k) => only.includes(k))
  const servers = await Promise.all(chosen.map((kind) => start(kind, pin)))
  const samples: Record<string, Array<Awaited<ReturnType<typeof measure>>>> = {}
  try {
    for (let r = 0; r < rounds; r++) {
      for (const server of servers) (samples[server.kind] ??= []).push(await measure(server, seconds))
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()))
  }
  const m: Partial<Record<Kind, Measure>> = {}
  for (const kind of chosen) {
    const list = samples[kind]!.slice().sort((a, b) => a.ns - b.ns)
    const best = list[0]!
    const median = list[Math.floor(list.length / 2)]!
    m[kind] = { name: kind, ns: best.ns }
    console.log(
      `  ${kind.padEnd(26)} best ${(best.ns / 1000).toFixed(1).padStart(6)} µs/response, median ${
        (median.ns / 1000).toFixed(1).padStart(6)
      }  (rounds: ${samples[kind]!.map((x) => (x.ns / 1000).toFixed(1)).join(", ")})  ${
        best.rps.toFixed(0).padStart(6)
      } req/s  ${best.statuses}`
    )
  }
  // Each comparison twice: best round against best round, and the median of the round-by-round
  // ratios (a subject and its baseline measured seconds apart share the machine's state of the moment)
  const pair = (
    subject: Kind,
    baseline: Kind,
    label: string,
    baselineLabel: string,
    goal?: { readonly kind: "at most" | "cheaper by at least"; readonly ratio: number }
  ) => {
    if (m[subject] === undefined || m[baseline] === undefined) return
    compare({ ...m[subject]!, name: label }, { ...m[baseline]!, name: baselineLabel }, goal)
    const ratios = samples[subject]!.map((x, r) => x.ns / samples[baseline]![r]!.ns).sort((a, b) => a - b)
    const median = ratios[Math.floor(ratios.length / 2)]!
    const met = goal === undefined
      ? ""
      : goal.kind === "at most"
      ? `  goal ≤ ${goal.ratio}x: ${median <= goal.ratio ? "met" : "NOT met"}`
      : `  goal ≥ ${goal.ratio}x cheaper: ${1 / median >= goal.ratio ? "met" : "NOT met"}`
    console.log(
      `      round by round: median ${median.toFixed(2)}x (${ratios.map((x) => x.toFixed(2)).join(", ")})${met}`
    )
  }
  pair("ours-ok", "bare-ok", "(a) success, our middleware", "no middleware", { kind: "at most", ratio: 1.05 })
  pair("ours-ok", "bare-ok-headers", "    success, our middleware", "hand-written middleware, same 2 headers", {
    kind: "at most",
    ratio: 1.05
  })
  pair("bare-ok-headers", "bare-ok", "    hand-written middleware, same 2 headers", "no middleware")
  pair(
    "ours-error",
    "handwritten-error",
    "(b) error, our middleware (503 problem+json)",
    "hand-written catch (stack)",
    {
      kind: "at most",
      ratio: 1.05
    }
  )
  pair("ours-error", "handwritten-error-nostack", "(b) error, our middleware", "hand-written catch (no stack)", {
    kind: "at most",
    ratio: 1.05
  })
  pair("ours-error", "httpapi-problem", "(b) error, our middleware", "HttpApi declared Problem", {
    kind: "cheaper by at least",
    ratio: 1.2
  })
  pair("ours-error", "ours-ok", "    error vs our own success path", "our success")
}

/** The same apps without sockets: `HttpRouter.toWebHandler`, CPU per request. */
export async function runInProcess() {
  section(
    "http server, in process (HttpRouter.toWebHandler, no sockets): CPU per request, steadier on a shared machine"
  )
  const { Effect, Layer } = await import("effect")
  const { HttpRouter } = await import("effect/http")
  // Report hooks silent for every variant alike (registered first: the outermost global middleware)
  const silent: any = (HttpRouter.middleware as any)(
    (e: any) => Effect.provideService(e, Report.CurrentHooks, Report.silent),
    { global: true }
  )
  const handlers: Array<
    { readonly handler: (request: Request) => Promise<Response>; readonly dispose: () => Promise<void> }
  > = []
  for (const kind of kinds) {
    handlers.push(
      HttpRouter.toWebHandler(Layer.mergeAll(silent, await appOf(kind)) as any, { disableLogger: true } as any)
    )
  }
  const request = () => new Request("http://localhost/", { headers })
  const measured = await interleaved(
    kinds.map((kind, i) => [kind, () => handlers[i]!.handler(request())] as const),
    { iterations: 5_000, rounds: 7, warmup: 5_000 }
  )
  for (const h of handlers) await h.dispose()
  const inProcess = Object.fromEntries(kinds.map((kind, i) => [kind, measured[i]!])) as Record<Kind, Measure>
  compare({ ...inProcess["ours-ok"]!, name: "(a) success, our middleware" }, {
    ...inProcess["bare-ok"]!,
    name: "no middleware"
  }, { kind: "at most", ratio: 1.05 })
  compare({ ...inProcess["ours-ok"]!, name: "    success, our middleware" }, {
    ...inProcess["bare-ok-headers"]!,
    name: "hand-written middleware, same 2 headers"
  }, { kind: "at most", ratio: 1.05 })
  compare({ ...inProcess["ours-error"]!, name: "(b) error, our middleware" }, {
    ...inProcess["handwritten-error"]!,
    name: "hand-written catch (stack)"
  }, { kind: "at most", ratio: 1.05 })
  compare({ ...inProcess["ours-error"]!, name: "(b) error, our middleware" }, {
    ...inProcess["handwritten-error-nostack"]!,
    name: "hand-written catch (no stack)"
  }, { kind: "at most", ratio: 1.05 })
  compare({ ...inProcess["ours-error"]!, name: "(b) error, our middleware" }, {
    ...inProcess["httpapi-problem"]!,
    name: "HttpApi declared Problem"
  }, { kind: "cheaper by at least", ratio: 1.2 })
}

/** The dialects alone: encode and decode against `JSON.stringify` / `JSON.parse`. */
export async function runCodec() {
  section("http dialects: encode (public view + dialect) vs JSON.stringify of the same object; decode vs JSON.parse")
  const fault = new Fault.Unavailable({ reason: "maintenance", retryAfterMs: 7000 })
  const cid = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
  const view = Exposure.view(fault, { dialect: "problem", correlationId: cid })
  const object = Problem.toProblemDetails(view)
  const nf = new Fault.NotFound({ resource: "order", id: "42" })
  const nfObject = Problem.toProblemDetails(Exposure.view(nf, { correlationId: cid }))
  const cmObject = CodeMessage.toBody(Exposure.view(fault, { catalog: Catalog.gateway, correlationId: cid }))
  const body = JSON.stringify(object)
  const incoming = { status: 503, headers: { "content-type": "application/problem+json" }, body, truncated: false }
  // What users write today, built per response as ours is: a hand-written object literal with the same
  // members (fresh strings and objects, no view), and Effect's own `HttpApiError.Problem` (the anchor)
  const { Schema } = await import("effect")
  const { HttpApiError } = await import("effect/http-api")
  class ServiceUnavailable extends HttpApiError.Problem<ServiceUnavailable>()("ServiceUnavailable", {
    type: "urn:fault:Unavailable",
    status: 503,
    title: "Service unavailable"
  }, { code: Schema.String, correlationId: Schema.String, retryAfter: Schema.Number }) {}
  const encodeEffectProblem = Schema.encodeSync(ServiceUnavailable)
  // built once, outside the timing: its construction captures a V8 stack (≈6 µs), which is not encoding
  const effectInstance = new ServiceUnavailable({
    detail: "service unavailable (maintenance)",
    code: "Unavailable",
    correlationId: cid,
    retryAfter: 7
  })
  const source = { reason: "maintenance", retryAfterMs: 7000 }
  const handWritten = (e: typeof source, correlationId: string) =>
    JSON.stringify({
      type: "urn:fault:Unavailable",
      title: "Service unavailable",
      status: 503,
      detail: `service unavailable (${e.reason})`,
      code: "Unavailable",
      instance: `urn:uuid:${correlationId}`,
      correlationId,
      expected: "RetryLater",
      retryAfter: e.retryAfterMs / 1000,
      fields: { reason: e.reason }
    })
  const trust: Trust.Options = { mode: "trust", catalog: Catalog.builtin, protocol: "http" }
  const distrust: Trust.Options = { ...trust, mode: "distrust" }
  // every subject interleaved with its baseline, round by round
  const [
    stringify,
    encode,
    encodeAlone,
    handWrittenEncode,
    effectProblem,
    nfStringify,
    nfEncode,
    cmStringify,
    cmEncode,
    ec2Encode,
    parse,
    decodeTrust,
    decodeDistrust
  ] = cpuInterleaved([
    ["JSON.stringify(problem object)", () => JSON.stringify(object)],
    [
      "(c) Exposure.view + Problem.encode",
      () => Problem.dialect.encode(Exposure.view(fault, { dialect: "problem", correlationId: cid }))
    ],
    ["    Problem.encode alone (view given)", () => Problem.dialect.encode(view)],
    ["hand-written problem object, built per response + stringify", () => handWritten(source, cid)],
    [
      "HttpApiError.Problem: Schema encode + stringify (instance given)",
      () => JSON.stringify(encodeEffectProblem(effectInstance))
    ],
    ["JSON.stringify(NotFound problem)", () => JSON.stringify(nfObject)],
    [
      "    view + Problem.encode, NotFound with fields",
      () => Problem.dialect.encode(Exposure.view(nf, { correlationId: cid }))
    ],
    ["JSON.stringify({code,message} object)", () => JSON.stringify(cmObject)],
    ["    view + CodeMessage.encode", () => CodeMessage.dialect.encode(Exposure.view(fault, { correlationId: cid }))],
    [
      "    view + Ec2.encode (XML, escaped)",
      () => Ec2.dialect.encode(Exposure.view(fault, { dialect: "ec2", correlationId: cid }))
    ],
    ["JSON.parse(problem body)", () => JSON.parse(body)],
    [
      "Problem.decode + Trust.toFault (trust → Unavailable)",
      () => Trust.toFault(Problem.dialect.decode({ ...incoming })!, trust)
    ],
    [
      "Problem.decode + Trust.toFault (distrust → RemoteFault)",
      () => Trust.toFault(Problem.dialect.decode({ ...incoming })!, distrust)
    ]
  ])
  compare(encode!, stringify!, { kind: "at most", ratio: 1.5 })
  compare(encodeAlone!, stringify!)
  compare({ ...encode!, name: "    view + Problem.encode" }, handWrittenEncode!)
  compare({ ...encode!, name: "    view + Problem.encode" }, effectProblem!)
  compare(nfEncode!, nfStringify!, { kind: "at most", ratio: 1.5 })
  compare(cmEncode!, cmStringify!, { kind: "at most", ratio: 1.5 })
  compare(ec2Encode!, stringify!)
  compare(decodeTrust!, parse!, { kind: "at most", ratio: 2 })
  console.log(`  decode throughput on one core: ${(1e9 / decodeTrust!.ns / 1e6).toFixed(2)} M/s (goal ≥ 1 M/s)`)
  compare(decodeDistrust!, parse!, { kind: "at most", ratio: 2 })
  console.log(`  decode throughput on one core: ${(1e9 / decodeDistrust!.ns / 1e6).toFixed(2)} M/s (goal ≥ 1 M/s)`)
}

if (process.argv[2] === "--server") {
  await serve(process.argv[3] as Kind)
} else if (process.argv[1] === self) {
  await run()
}
