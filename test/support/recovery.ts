/**
 * After an outage at the Abhi sandbox ends: asks `attempt` until it answers normally three times in a row (the
 * breaker's half-open trials passed and it is closed again), or until `budgetMs` + 2 s after `openedAt` (the extra
 * 2 s show a recovery that came late, for the caller's assertion). Between abnormal answers it waits 250 ms.
 * `recoveredAt` is the first answer of the final normal streak; `answers` are every answer's labels, in order.
 */
export async function untilNormalAgain(
  openedAt: number,
  budgetMs: number,
  attempt: () => Promise<{ normal: boolean; label: string }>,
): Promise<{ recoveredAt: number | undefined; answers: string[] }> {
  const answers: string[] = [];
  let recoveredAt: number | undefined;
  let streak = 0;
  while (Date.now() - openedAt < budgetMs + 2_000) {
    const { normal, label } = await attempt();
    answers.push(label);
    if (normal) {
      recoveredAt ??= Date.now();
      if (++streak >= 3) break;
    } else {
      streak = 0;
      recoveredAt = undefined;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  return { recoveredAt, answers };
}
