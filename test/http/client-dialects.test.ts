import { assert, describe, it } from "@effect/vitest"
import { Aws, Client, Google, Html } from "effect-faults/http"

const incoming = (status: number, contentType: string, body: string, headers: Record<string, string> = {}) => ({
  status,
  headers: { "content-type": contentType, ...headers },
  body,
  truncated: false
})

describe("Aws", () => {
  it("bare codes from __type and x-amzn-ErrorType", () => {
    assert.strictEqual(
      Aws.bareCode("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
      "ResourceNotFoundException"
    )
    assert.strictEqual(
      Aws.bareCode("ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/"),
      "ValidationException"
    )
    assert.strictEqual(Aws.bareCode("aws.protocoltests#ComplexError"), "ComplexError")
  })

  it("x-amzn-ErrorType alone is enough (REST-JSON with an empty body)", () => {
    const r = Aws.dialect.decode(
      incoming(400, "application/json", "", {
        "x-amzn-errortype": "ThrottlingException:http://x",
        "x-amzn-requestid": "r-1"
      })
    )
    assert.strictEqual(r?.code, "ThrottlingException")
    assert.strictEqual(r?.expected, "RetryLater")
    assert.strictEqual(r?.correlationId, "r-1")
  })

  it("XML with attributes, CDATA and entities; a lookalike <CodeName> element is not <Code>", () => {
    const r = Aws.dialect.decode(
      incoming(
        403,
        "application/xml",
        "<Error xmlns=\"x\"><CodeName>no</CodeName><Code >AccessDenied</Code><Message><![CDATA[Access <denied>]]></Message><RequestId>a&amp;b</RequestId></Error>"
      )
    )
    assert.strictEqual(r?.code, "AccessDenied")
    assert.strictEqual(r?.message, "Access <denied>")
    assert.strictEqual(r?.correlationId, "a&b")
  })

  it("not AWS → undefined", () => {
    assert.isUndefined(Aws.dialect.decode(incoming(500, "application/json", "{\"error\":\"x\"}")))
    assert.isUndefined(
      Aws.dialect.decode(incoming(500, "application/xml", "<Error><Message>no code</Message></Error>"))
    )
  })
})

describe("Google", () => {
  it("the v1 form error.errors[].reason, and an array-wrapped error", () => {
    const v1 = Google.decodeBody({
      error: {
        code: 403,
        message: "Daily Limit Exceeded",
        errors: [{ domain: "usageLimits", reason: "dailyLimitExceeded", message: "x" }]
      }
    }, 403)
    assert.strictEqual(v1?.code, "dailyLimitExceeded")
    assert.strictEqual(v1?.fields?.domain, "usageLimits")
    const wrapped = Google.decodeBody([{ error: { code: 404, message: "nope", status: "NOT_FOUND" } }], 404)
    assert.strictEqual(wrapped?.code, "NOT_FOUND")
    assert.strictEqual(wrapped?.expected, "DoNotRetry")
  })

  it("RetryInfo as { seconds, nanos } and BadRequest violations", () => {
    const r = Google.decodeBody({
      error: {
        code: 400,
        status: "INVALID_ARGUMENT",
        message: "bad",
        details: [
          { "@type": Google.typeUrls.retryInfo, retryDelay: { seconds: "2", nanos: 500_000_000 } },
          {
            "@type": Google.typeUrls.badRequest,
            fieldViolations: [{ field: "a.b", description: "required" }, { nope: 1 }]
          }
        ]
      }
    }, 400)
    assert.strictEqual(r?.retryAfterMs, 2500)
    assert.deepStrictEqual(r?.fields?.violations, [{ field: "a.b", message: "required" }])
  })

  it("not Google-style → undefined", () => {
    assert.isUndefined(Google.decodeBody({ error: "string" }, 500))
    assert.isUndefined(Google.decodeBody({ error: {} }, 500))
    assert.isUndefined(Google.dialect.decode(incoming(500, "text/xml", "<x/>")))
  })
})

describe("Html", () => {
  it("text drops scripts, styles and tags, decodes entities", () => {
    assert.strictEqual(
      Html.text("<style>a{}</style><p>Access&nbsp;denied &amp; logged</p><script>var x = '<b>'</script>"),
      "Access denied & logged"
    )
  })

  it("a page without a title keeps an excerpt; HTML under a lying content type is still read", () => {
    const r = Html.dialect.decode(
      incoming(
        403,
        "application/octet-stream",
        "<!doctype html><body><h1>Request blocked</h1><p>" + "x".repeat(1000) + "</p></body>"
      )
    )
    assert.strictEqual(r?.code, Html.code)
    assert.isTrue(r!.message!.startsWith("Request blocked"))
    assert.isAtMost(String(r?.fields?.excerpt).length, Html.excerptLength + 1)
  })
})

describe("Client.sniff", () => {
  it("JSON, HTML, XML or nothing", () => {
    assert.strictEqual(Client.sniff("  {\"a\":1}"), "application/json")
    assert.strictEqual(Client.sniff("\uFEFF[1]"), "application/json")
    assert.strictEqual(Client.sniff("<!DOCTYPE html><html>"), "text/html")
    assert.strictEqual(Client.sniff("<?xml version=\"1.0\"?><Error/>"), "application/xml")
    assert.isUndefined(Client.sniff("busy"))
  })
})
