import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AmqpDriver } from "../../src/queue/amqp/index.ts"
import { requireService, services } from "../support/services.ts"
import { dispositionSuite } from "./suite.ts"

const available = await requireService("rabbitmq")

describe.skipIf(!available)("RabbitMQ", () => {
  dispositionSuite({
    name: "amqp",
    layer: AmqpDriver.layer({ url: services.rabbitmq.url }),
    test: (name, self) => it.live(name, self),
    advance: (ms) => Effect.sleep(ms),
    virtual: false
  })
})
