// Test data: dates in Asia/Shanghai, fake id cards with a valid check digit.

/** Today (YYYY-MM-DD) in Asia/Shanghai. */
export function todayCN() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
}

export function addDays(s, n) {
  const d = new Date(s + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** GB 11643: 17 digits + check character. */
export function idCard(body17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body17[i]) * w[i];
  return body17 + '10X98765432'[sum % 11];
}
