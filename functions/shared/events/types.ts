/**
 * A domain event as it travels: the outbox row, the SNS message body and the SQS record body all carry this shape.
 * `version` is the schema version of `payload` for its `type`; consumers refuse versions they do not know.
 * Payloads carry ids and business facts, never account numbers, Emirates IDs or tokens.
 */
export interface DomainEvent<P extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  type: string;
  version: 1;
  /** When the change was committed (ISO 8601). */
  time: string;
  organizationId?: string;
  /** The request id (or job id) the change came from, for tracing one action across functions. */
  correlationId?: string;
  payload: P;
}

export interface NewDomainEvent {
  type: string;
  organizationId?: string;
  correlationId?: string;
  payload: Record<string, unknown>;
}
