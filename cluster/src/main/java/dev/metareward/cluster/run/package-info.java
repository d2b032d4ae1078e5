/** The phases every process of a run shares: preparing data and base, the outer-loss log, progress, the final report. */
package dev.metareward.cluster.run;
