import type { StageTiming } from '../../worker/messages';

/** Per-stage times of the last run (and the prior-off re-run), and a button to run again. */
export function TimingsPanel({ timings, onRerun }: { timings: StageTiming[]; onRerun: () => void }) {
  return (
    <section>
      <h2>Timings</h2>
      <table className="timings" data-testid="timings">
        <tbody>
          {timings.map((t) => (
            <tr key={t.stage}>
              <th scope="row">{t.stage}</th>
              <td>{t.ms.toFixed(0)} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" data-testid="rerun" onClick={onRerun}>
        Run again
      </button>
    </section>
  );
}
