/** Customer-value models: BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend), fitted on grouped statistics. */
export * from './bgnbd.js';
export * from './gammagamma.js';
export * from './scores.js';
export { hyp2f1, lnBeta, lnGamma, digamma, logSumExp, type Hyp2f1Options } from './special.js';
