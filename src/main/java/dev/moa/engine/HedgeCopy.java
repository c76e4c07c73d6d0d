package dev.moa.engine;

import java.time.Duration;

/**
 * An attempt that was one copy of a hedged call (a call that sent at least one hedge).
 *
 * @param copy                  0 for the first request, 1.. for the hedges
 * @param startedAfter          when it was sent, counted from the first request
 * @param won                   its answer was the call's
 * @param cancelled             another copy answered first and this one was cancelled (its connection closed)
 * @param estimatedPromptTokens a cancelled copy's input, estimated (characters / 4): the provider may bill it,
 *                              but never reports it; 0 otherwise
 */
public record HedgeCopy(int copy, Duration startedAfter, boolean won, boolean cancelled, long estimatedPromptTokens) {
}
