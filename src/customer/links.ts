/**
 * Signed links to rate a ticket from an email: `PUBLIC_BASE_URL/csat/<ticket>?score=4&signature=…`.
 * The signature is an HMAC of the ticket number under a key only the server has, so nobody can
 * rate a ticket they were not asked about; the page behind it lets them pick again and comment.
 */
import { hmacSha256Hex, safeEqual } from '../shared/crypto.ts';

/** Where the link's page is served (src/http/csat.ts). */
export const CSAT_PATH = '/csat';

export interface CsatLinks {
  /** The link that opens the page for `ticket` with `score` chosen. */
  url(ticket: number, score: number): string;
  /** Whether `signature` is the one made for `ticket`. */
  verify(ticket: number, signature: string): boolean;
  signature(ticket: number): string;
}

export function csatLinks(publicBaseUrl: string, key: string): CsatLinks {
  const signature = (ticket: number) => hmacSha256Hex(key, `csat:${ticket}`);
  return {
    url: (ticket, score) => `${publicBaseUrl.replace(/\/$/, '')}${CSAT_PATH}/${ticket}?${new URLSearchParams({ score: String(score), signature: signature(ticket) })}`,
    verify: (ticket, given) => safeEqual(given, signature(ticket)),
    signature,
  };
}
