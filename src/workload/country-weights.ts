/**
 * Default client mix: approximate internet users per country in millions (ITU and DataReportal
 * figures for 2024, rounded), for the twenty-five largest online populations. A run's weights
 * can be given instead, e.g. "US:3,DE:1,JP:1".
 */
export const INTERNET_USERS_MILLIONS: Readonly<Record<string, number>> = {
  CN: 1090, IN: 750, US: 320, ID: 220, BR: 185, RU: 130, NG: 120, JP: 100, PK: 110, MX: 100,
  BD: 75, PH: 85, VN: 78, EG: 82, DE: 78, TR: 72, IR: 73, GB: 66, FR: 60, TH: 62,
  KR: 50, IT: 51, ZA: 45, AR: 40, AU: 25,
};

export function parseCountryWeights(text: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z]{2})\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!match || Number(match[2]) <= 0) throw new RangeError(`country weights look like "US:3,DE:1", got "${part.trim()}"`);
    weights[match[1]!.toUpperCase()] = Number(match[2]);
  }
  return weights;
}
