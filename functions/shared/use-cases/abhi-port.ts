import type { AbhiClient } from '#shared/abhi/client';

/**
 * Abhi, as every use case sees it: the client's resources (types only, so a use case loads no client). Every call
 * takes `abhiCallOptions(ctx)` (#shared/use-cases/invocation); failures mean what #shared/use-cases/abhi-errors says.
 * The transaction use cases reach it through ./advances/abhi-advances (amounts in fils, failures classified).
 */
export type AbhiPort = Pick<AbhiClient, 'employees' | 'organizations' | 'masterData' | 'transactions' | 'repayments'>;
