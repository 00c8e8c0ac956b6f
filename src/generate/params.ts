/**
 * The true parameters of the synthetic world and its fixed reference data (cities, stores, categories,
 * names). Everything random is drawn in SQL (see random.ts); this file holds only constants.
 */

/** BG/NBD in weeks (the customary unit); the generator works in days: alpha_days = 7 * alpha_weeks. */
export const BG_NBD_WEEKS = { r: 0.25, alpha: 4, a: 0.8, b: 2.5 } as const;
export const BG_NBD_DAYS = { r: BG_NBD_WEEKS.r, alpha: BG_NBD_WEEKS.alpha * 7, a: BG_NBD_WEEKS.a, b: BG_NBD_WEEKS.b } as const;

/**
 * Gamma-Gamma spend in USD: per-customer rate nu ~ Gamma(q, rate gamma); order value ~ Gamma(p, rate nu).
 * Mean order value over customers = p * gamma / (q - 1) = 80 USD (before whales).
 */
export const GAMMA_GAMMA = { p: 6, q: 4, gamma: 40 } as const;
export const WHALES = { share: 0.002, spendMultiplier: 10 } as const;

/**
 * Repeat purchases per customer are capped at this number (so at most PURCHASE_CAP + 1 orders in the
 * history). Under the default parameters the cap binds only when a customer's purchase rate exceeds
 * PURCHASE_CAP / history length (about 0.9 a day, i.e. lambda > 6.4 a week) AND their dropout count is
 * as large: P(lambda_week > 6.4) for Gamma(0.25, rate 4) is about 1e-4 * e^-25, i.e. never in practice.
 */
export const PURCHASE_CAP = 1000;

/** History: customers first purchase within this many years before the as-of date. */
export const HISTORY_YEARS = 3;
/** Acquisitions per day at the end of the history relative to its start (exponential growth). */
export const ACQUISITION_GROWTH = 2.5;

/**
 * Seasonality as a time warp: the BG/NBD clock runs in "operational time" whose speed is
 * s(t) = 1 + sum_k harmonics[k-1] * cos(k * theta), theta = 2 pi (day of year - peak) / 365.25, peak 1 December.
 * Its yearly mean is 1, so over whole years operational time equals calendar time. The speed peaks at
 * 1.6 on 1 December, is about 1.35 a month either side (November, December), and stays within 0.8..0.95
 * from February to September.
 */
export const SEASONALITY = { harmonics: [0.3, 0.2, 0.1], peakDayOfYear: 335, periodDays: 365.25 } as const;

/** Default share of orders given a deliberately dirty twin (duplicate, null customer, negative revenue, unknown currency). */
export const DIRTY_SHARE = 0.0005;
export const CANCELLED_SHARE = 0.02;
export const RETURN_SHARE = 0.08;
export const CREATOR_SHARE = 0.15;
export const ERASURE_SHARE = 0.001;

/** Rates to USD, the same defaults as `retain_currency` in dbt_project.yml. */
export const CURRENCY_RATES: Record<string, number> = { USD: 1, EUR: 1.08, GBP: 1.27 };

export const CATEGORIES = ['apparel', 'footwear', 'accessories', 'beauty', 'home', 'electronics', 'sports', 'kids'] as const;
/** Popularity of the categories (sums to 1). */
export const CATEGORY_WEIGHTS = [0.26, 0.14, 0.12, 0.13, 0.11, 0.08, 0.09, 0.07] as const;
export const PRODUCTS_PER_CATEGORY = 400;

export interface Country {
  code: string;
  share: number;
  currency: string;
}
export const COUNTRIES: Country[] = [
  { code: 'US', share: 0.84, currency: 'USD' },
  { code: 'CA', share: 0.02, currency: 'USD' },
  { code: 'GB', share: 0.07, currency: 'GBP' },
  { code: 'DE', share: 0.04, currency: 'EUR' },
  { code: 'FR', share: 0.03, currency: 'EUR' },
];

export interface City {
  name: string;
  country: string;
  lat: number;
  lon: number;
  /** Share of the country's customers living around it. */
  weight: number;
  /** US/CA: telephone area code; elsewhere a postal prefix. */
  code: string;
  hasStore: boolean;
}

const us = (name: string, lat: number, lon: number, weight: number, code: string, hasStore = true): City => ({ name, country: 'US', lat, lon, weight, code, hasStore });
export const CITIES: City[] = [
  us('New York', 40.7128, -74.006, 12, '212'),
  us('Brooklyn', 40.6782, -73.9442, 5, '718'),
  us('Los Angeles', 34.0522, -118.2437, 9, '213'),
  us('San Diego', 32.7157, -117.1611, 3, '619'),
  us('San Francisco', 37.7749, -122.4194, 4, '415'),
  us('San Jose', 37.3382, -121.8863, 2, '408'),
  us('Seattle', 47.6062, -122.3321, 3, '206'),
  us('Portland', 45.5152, -122.6784, 2, '503'),
  us('Chicago', 41.8781, -87.6298, 6, '312'),
  us('Houston', 29.7604, -95.3698, 5, '713'),
  us('Dallas', 32.7767, -96.797, 5, '214'),
  us('Austin', 30.2672, -97.7431, 3, '512'),
  us('San Antonio', 29.4241, -98.4936, 2, '210'),
  us('Phoenix', 33.4484, -112.074, 4, '602'),
  us('Denver', 39.7392, -104.9903, 3, '303'),
  us('Minneapolis', 44.9778, -93.265, 2, '612'),
  us('Atlanta', 33.749, -84.388, 4, '404'),
  us('Miami', 25.7617, -80.1918, 4, '305'),
  us('Orlando', 28.5383, -81.3792, 2, '407'),
  us('Tampa', 27.9506, -82.4572, 2, '813'),
  us('Boston', 42.3601, -71.0589, 4, '617'),
  us('Philadelphia', 39.9526, -75.1652, 4, '215'),
  us('Washington', 38.9072, -77.0369, 4, '202'),
  us('Charlotte', 35.2271, -80.8431, 2, '704'),
  us('Nashville', 36.1627, -86.7816, 2, '615'),
  us('Detroit', 42.3314, -83.0458, 2, '313'),
  us('Columbus', 39.9612, -82.9988, 2, '614'),
  us('Las Vegas', 36.1699, -115.1398, 2, '702'),
  us('Salt Lake City', 40.7608, -111.891, 1, '801'),
  us('Kansas City', 39.0997, -94.5786, 1, '816'),
  us('St. Louis', 38.627, -90.1994, 1, '314', false),
  us('Indianapolis', 39.7684, -86.1581, 1, '317', false),
  us('Raleigh', 35.7796, -78.6382, 1, '919', false),
  us('Albuquerque', 35.0844, -106.6504, 1, '505', false),
  { name: 'Toronto', country: 'CA', lat: 43.6532, lon: -79.3832, weight: 6, code: '416', hasStore: false },
  { name: 'Vancouver', country: 'CA', lat: 49.2827, lon: -123.1207, weight: 3, code: '604', hasStore: false },
  { name: 'Montreal', country: 'CA', lat: 45.5017, lon: -73.5673, weight: 3, code: '514', hasStore: false },
  { name: 'London', country: 'GB', lat: 51.5074, lon: -0.1278, weight: 10, code: 'SW', hasStore: true },
  { name: 'Manchester', country: 'GB', lat: 53.4808, lon: -2.2426, weight: 3, code: 'M', hasStore: true },
  { name: 'Birmingham', country: 'GB', lat: 52.4862, lon: -1.8904, weight: 3, code: 'B', hasStore: true },
  { name: 'Glasgow', country: 'GB', lat: 55.8642, lon: -4.2518, weight: 2, code: 'G', hasStore: true },
  { name: 'Berlin', country: 'DE', lat: 52.52, lon: 13.405, weight: 5, code: '10', hasStore: true },
  { name: 'Munich', country: 'DE', lat: 48.1351, lon: 11.582, weight: 3, code: '80', hasStore: true },
  { name: 'Hamburg', country: 'DE', lat: 53.5511, lon: 9.9937, weight: 3, code: '20', hasStore: true },
  { name: 'Paris', country: 'FR', lat: 48.8566, lon: 2.3522, weight: 8, code: '75', hasStore: true },
  { name: 'Lyon', country: 'FR', lat: 45.764, lon: 4.8357, weight: 2, code: '69', hasStore: true },
  { name: 'Marseille', country: 'FR', lat: 43.2965, lon: 5.3698, weight: 2, code: '13', hasStore: true },
];

export const FIRST_NAMES = [
  'james', 'mary', 'john', 'patricia', 'robert', 'jennifer', 'michael', 'linda', 'william', 'elizabeth', 'david', 'barbara',
  'richard', 'susan', 'joseph', 'jessica', 'thomas', 'sarah', 'charles', 'karen', 'daniel', 'nancy', 'matthew', 'lisa',
  'anthony', 'betty', 'mark', 'sandra', 'paul', 'ashley', 'steven', 'emily', 'andrew', 'olivia', 'joshua', 'emma',
  'kevin', 'sophia', 'brian', 'mia', 'lucas', 'chloe', 'noah', 'amelia', 'liam', 'hannah', 'ethan', 'zoe',
];
export const LAST_NAMES = [
  'smith', 'johnson', 'williams', 'brown', 'jones', 'garcia', 'miller', 'davis', 'rodriguez', 'martinez', 'hernandez',
  'lopez', 'gonzalez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'jackson', 'martin', 'lee', 'perez', 'thompson',
  'white', 'harris', 'sanchez', 'clark', 'ramirez', 'lewis', 'robinson', 'walker', 'young', 'allen', 'king', 'wright',
  'scott', 'torres', 'nguyen', 'hill', 'flores', 'green', 'adams', 'nelson', 'baker', 'hall', 'rivera', 'campbell', 'mueller',
];
/** Reserved example domains only (RFC 2606), so no generated address can reach a real mailbox. */
export const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com'];

export const ACQUISITION_CHANNELS: Array<[string, number]> = [
  ['organic_search', 0.24],
  ['paid_search', 0.15],
  ['paid_social', 0.14],
  ['referral', 0.1],
  ['direct', 0.1],
  ['email', 0.05],
  ['marketplace', 0.07],
];
export const CREATORS = 250;
export const PLATFORMS = ['tiktok', 'instagram', 'youtube'] as const;
export const PLATFORM_WEIGHTS = [0.5, 0.32, 0.18] as const;
export const TOUCHPOINT_TYPES: Array<[string, number]> = [
  ['video_view', 0.5],
  ['save', 0.1],
  ['share', 0.08],
  ['comment', 0.08],
  ['swipe_up', 0.12],
  ['affiliate_click', 0.12],
];

export const STORE_RADIUS_KM = 20;
export const PURPOSES = ['email', 'sms', 'push', 'ads', 'profiling', 'location'] as const;
