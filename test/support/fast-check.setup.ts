import fc from 'fast-check';

/**
 * A property stops generating and shrinking after a minute. A run finds a failure within its first cases or not
 * at all; what takes long is shrinking a long counterexample, and that must not hold the suite for most of an
 * hour. A property cut short while passing passes on the cases it ran; one that has failed still fails, with the
 * smallest counterexample found so far, its seed and path to replay it.
 */
fc.configureGlobal({ interruptAfterTimeLimit: 60_000 });
