/**
 * The parameter-space view as a family's worker part drives it, for any family with a
 * ThetaViewModel: reports when due and the landscape's next chunk as side work, captures inside
 * training chunks, the page's choice of subject (kept to the subjects the family's θ space has).
 */
import type { FamilyRun } from '../../core/families/family';
import type { ThetaViewModel } from '../theta/model';
import { SUBJECTS, type ThetaSubject } from '../theta/messages';
import { ThetaView } from '../theta/view';
import type { HostServices } from './familyWorker';

export class FamilyThetaPart {
  private readonly view: ThetaView;

  constructor(
    private readonly host: HostServices,
    private readonly modelOf: (run: FamilyRun) => ThetaViewModel,
    /** whose θ is a point of this space (the first stands in for any other the page asks for) */
    private readonly subjects: readonly ThetaSubject[] = SUBJECTS,
  ) {
    this.view = new ThetaView(host.post, (fn) => host.inference(fn));
  }

  get busy(): boolean {
    return this.view.busy;
  }

  /** A report when one is due, then the next chunk of a landscape in progress. */
  async work(): Promise<void> {
    const running = this.host.running();
    const config = this.host.config();
    const model = this.modelOf(this.host.run());
    this.view.applyView();
    if (this.view.reportDue(running, performance.now())) await this.view.report(model, config, null, running);
    if (this.view.landscapeActive) await this.view.landscapeStep(model, config, running);
  }

  capture(run: FamilyRun): void {
    this.view.capture(this.modelOf(run));
  }

  flush(stepsPerSecond?: number): Promise<void> {
    return this.view.flush(stepsPerSecond);
  }

  discardCaptures(): void {
    this.view.discardCaptures();
  }

  markDirty(): void {
    this.view.markDirty();
  }

  clear(): void {
    this.view.clear();
  }

  setView(subject: ThetaSubject, random: boolean): void {
    const shown = this.subjects.includes(subject) ? subject : (this.subjects[0] as ThetaSubject);
    this.view.setView(shown, random);
  }

  requestLandscape(id: number, resolution: number): void {
    this.view.requestLandscape(id, resolution);
  }
}
