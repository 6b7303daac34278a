/**
 * effect-faults/secure: secure calls — TLS and certificate pinning failures as typed faults,
 * message signatures (HMAC-SHA256, Ed25519, RFC 9421 HTTP Message Signatures), failures reported
 * inside a success envelope, and answers in the protocol's own terms.
 *
 * @since 0.1.0
 */

/**
 * TLS failures as faults: an agent that trusts, presents, pins and keeps the presented certificate.
 *
 * @since 0.1.0
 */
export * as Tls from "./Tls.ts"

/**
 * Certificate pinning: SHA-256 fingerprints on record per host, checked inside the handshake.
 *
 * @since 0.1.0
 */
export * as Pinning from "./Pinning.ts"

/**
 * Signing keys, keys on record, and the `Verifier` service on `node:crypto`.
 *
 * @since 0.1.0
 */
export * as Signature from "./Signature.ts"

/**
 * HTTP Message Signatures (RFC 9421) and Content-Digest (RFC 9530).
 *
 * @since 0.1.0
 */
export * as MessageSignatures from "./MessageSignatures.ts"

/**
 * Failures inside a success envelope: OpenADR, S3 `<Error>`, JSON `status`.
 *
 * @since 0.1.0
 */
export * as Envelope from "./Envelope.ts"

/**
 * Answers in the protocol's own terms (an `oadrResponse` dialect) and a signature guard for handlers.
 *
 * @since 0.1.0
 */
export * as Answer from "./Answer.ts"
