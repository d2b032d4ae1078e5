/** The results of a run as a person reads them: a JSON report and PNG plots next to it. */
package dev.metareward.tensors.report;
