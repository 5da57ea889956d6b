import { Injectable, Module } from '@nestjs/common';
import { KARMA_LIFECYCLE, OnChannel } from '../../src/event-bus/index.js';

/**
 * A `karma.lifecycle` listener whose handler stays running until `release()`, to hold an app in
 * the phase of shutdown that waits for running handlers.
 */
@Injectable()
export class HeldListener {
  calls = 0;
  private readonly releases: (() => void)[] = [];

  @OnChannel(KARMA_LIFECYCLE)
  hold(): Promise<void> {
    this.calls++;
    return new Promise((resolve) => this.releases.push(resolve));
  }

  /** Lets every running call of the handler finish. */
  release(): void {
    this.releases.splice(0).forEach((resolve) => resolve());
  }
}

/** Provides `HeldListener`, for `startKarmaService({ fixtures: [...] })`. */
@Module({ providers: [HeldListener] })
export class HeldListenerModule {}
