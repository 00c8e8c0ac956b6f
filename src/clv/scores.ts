/**
 * Closed-form scores beside those of bgnbd.ts, written independently of the SQL in
 * models/intermediate/clv so the two can be checked against each other.
 */
import { probabilityAlive, type BgNbdCustomer, type BgNbdParams } from './bgnbd.js';

/**
 * P(no purchase in (T, T + h] | x, t_x, T). A customer who has dropped out never buys; an active one
 * has purchase rate λ with posterior Gamma(r + x, α + T), so P(no purchase in h | active) =
 * E[e^(−λh)] = ((α + T)/(α + T + h))^(r + x). Hence 1 − P(alive)·(1 − ((α+T)/(α+T+h))^(r+x)).
 */
export function churnRisk(params: BgNbdParams, customer: BgNbdCustomer, h: number): number {
  const { r, alpha } = params;
  const stayQuiet = Math.exp((r + customer.x) * (Math.log(alpha + customer.T) - Math.log(alpha + customer.T + h)));
  return 1 - probabilityAlive(params, customer) * (1 - stayQuiet);
}

/**
 * E[1/λ | active] = (α + T)/(r + x − 1): the expected wait to the next purchase of an active customer
 * (exponential waits are memoryless), in the model's time unit; null when r + x <= 1 (no finite mean).
 */
export function expectedTimeToNextPurchase(params: BgNbdParams, customer: BgNbdCustomer): number | null {
  const shape = params.r + customer.x;
  return shape > 1 ? (params.alpha + customer.T) / (shape - 1) : null;
}
