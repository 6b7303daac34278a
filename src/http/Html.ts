/**
 * Reads HTML error pages (decode only): what a proxy, load balancer or misconfigured server answers
 * instead of the API (`502 Bad Gateway` from nginx, a captive portal, a WAF block page). The page
 * becomes a received failure with the status, the page title and a short text excerpt, so the
 * caller gets a typed fault rather than a parse error on `<html>`.
 *
 * @since 0.1.0
 */
import * as xml from "../internal/xml.ts"
import type * as Trust from "../Trust.ts"
import type * as Dialect from "./Dialect.ts"
import * as read from "./internal/read.ts"

/**
 * The code every HTML error page is received under.
 *
 * @example
 * ```ts
 * import { Html } from "effect-faults/http"
 *
 * console.log(Html.code) // "HtmlErrorPage"
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const code = "HtmlErrorPage"

/**
 * How many characters of page text the excerpt keeps.
 *
 * @example
 * ```ts
 * import { Html } from "effect-faults/http"
 *
 * console.log(Html.excerptLength) // 200
 * ```
 *
 * @category constants
 * @since 0.1.0
 */
export const excerptLength = 200

/**
 * Whether a body looks like HTML (a doctype or an `<html>`, `<head>`, `<body>` or `<title>` element
 * near its start).
 *
 * @example
 * ```ts
 * import { Html } from "effect-faults/http"
 *
 * console.log(Html.looksLikeHtml("<!DOCTYPE html><html>…"), Html.looksLikeHtml("{}")) // true false
 * ```
 *
 * @category predicates
 * @since 0.1.0
 */
export const looksLikeHtml = (body: string): boolean => {
  const head = body.slice(0, 512).trimStart().toLowerCase()
  return head.startsWith("<!doctype html") || head.startsWith("<html") || head.startsWith("<head") ||
    head.startsWith("<body") || head.startsWith("<title") || (head.startsWith("<!--") && head.includes("<html"))
}

/**
 * The visible text of an HTML fragment: scripts, styles and tags removed, entities decoded,
 * whitespace collapsed. Linear in its input.
 *
 * @example
 * ```ts
 * import { Html } from "effect-faults/http"
 *
 * console.log(Html.text("<h1>502 Bad Gateway</h1><hr><center>nginx</center>")) // "502 Bad Gateway nginx"
 * ```
 *
 * @category getters
 * @since 0.1.0
 */
export const text = (html: string): string => {
  let out = ""
  let i = 0
  const lower = html.toLowerCase()
  while (i < html.length && out.length < 4 * excerptLength) {
    const lt = html.indexOf("<", i)
    if (lt === -1) {
      out += html.slice(i)
      break
    }
    out += html.slice(i, lt) + " "
    // skip whole <script> and <style> elements
    const skip = lower.startsWith("<script", lt) ? "</script>" : lower.startsWith("<style", lt) ? "</style>" : undefined
    if (skip !== undefined) {
      const end = lower.indexOf(skip, lt)
      if (end === -1) break
      i = end + skip.length
      continue
    }
    const gt = html.indexOf(">", lt)
    if (gt === -1) break
    i = gt + 1
  }
  return xml.unescape(out.replace(/&nbsp;/g, " ")).replace(/\s+/g, " ").trim()
}

/**
 * Reads an HTML page as a received failure.
 *
 * @example
 * ```ts
 * import { Html } from "effect-faults/http"
 *
 * const r = Html.decodeBody("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>", 502)
 * console.log(r.code, r.status, r.message) // "HtmlErrorPage" 502 "502 Bad Gateway"
 * ```
 *
 * @category decoding
 * @since 0.1.0
 */
export const decodeBody = (body: string, status: number): Trust.Received => {
  const titleElement = xml.element(body, "title") ?? xml.element(body, "TITLE")
  const title = titleElement === undefined ? undefined : text(titleElement.raw).slice(0, excerptLength)
  const bodyElement = xml.element(body, "body") ?? xml.element(body, "BODY")
  const excerpt = read.excerpt(text(bodyElement?.raw ?? body), excerptLength)
  const fields: Record<string, unknown> = { excerpt }
  if (title !== undefined && title.length > 0) fields.title = title
  return {
    code,
    status,
    message: title !== undefined && title.length > 0
      ? title
      : excerpt.length > 0
      ? excerpt
      : `HTTP ${status} (HTML page)`,
    fields
  }
}

/**
 * The HTML dialect: decode only. Recognises `text/html` and `application/xhtml+xml`, and HTML sent
 * under a lying content type.
 *
 * @example
 * ```ts
 * import { Html } from "effect-faults/http"
 *
 * const r = Html.dialect.decode({ status: 503, headers: { "content-type": "text/html" }, body: "<h1>Service Unavailable</h1>", truncated: false })
 * console.log(r?.status, r?.message) // 503 "Service Unavailable"
 * ```
 *
 * @category dialects
 * @since 0.1.0
 */
export const dialect: Dialect.Dialect = {
  name: "html",
  contentType: "text/html",
  accepts: (media) => media === "text/html" || media === "application/xhtml+xml",
  decode: (incoming) => {
    try {
      const media = read.mediaType(read.header(incoming.headers, "content-type"))
      if (media !== "text/html" && media !== "application/xhtml+xml" && !looksLikeHtml(incoming.body)) return undefined
      return decodeBody(incoming.body, incoming.status)
    } catch {
      return undefined
    }
  }
}
