import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { NatsDriver } from "../../src/queue/nats/index.ts"
import { requireService, services } from "../support/services.ts"
import { dispositionSuite } from "./suite.ts"

const available = await requireService("nats")

describe.skipIf(!available)("NATS JetStream", () => {
  dispositionSuite({
    name: "nats",
    layer: NatsDriver.layer({ servers: `127.0.0.1:${services.nats.port}` }),
    test: (name, self) => it.live(name, self),
    advance: (ms) => Effect.sleep(ms),
    virtual: false
  })
})
