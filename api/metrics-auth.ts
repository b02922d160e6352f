// Who may read /metrics: a scraper with the metrics token (`http.metricsToken`), which reads figures
// and can do nothing else, or an operator with the API token. Personal tokens are people's, not
// scrapers': they are not accepted. Shared by the API and a worker's own metrics port.
import { timingSafeEqual } from 'node:crypto';

export interface MetricsTokens {
  apiToken: string;
  /** A token for scrapers only; without it only the API token reads metrics. */
  metricsToken?: string;
}

/** Whether the Authorization header carries one of the tokens. */
export function mayReadMetrics(tokens: MetricsTokens, authorization: string | undefined): boolean {
  const given = Buffer.from(/^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '');
  const accepted = [tokens.metricsToken, tokens.apiToken].filter((t): t is string => Boolean(t));
  // Every token is compared, so the time taken does not say which one came close.
  return accepted
    .map((token) => Buffer.from(token))
    .map((token) => token.length === given.length && timingSafeEqual(token, given))
    .includes(true);
}

export const METRICS_UNAUTHORIZED = {
  error: 'unauthorized',
  message: 'a valid bearer token is required: the metrics token or the API token',
} as const;
