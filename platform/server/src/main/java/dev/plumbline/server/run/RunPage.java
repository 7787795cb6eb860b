package dev.plumbline.server.run;

import java.util.List;

/** One page of runs; {@code nextPageToken} is empty on the last page. */
public record RunPage(List<RunSnapshot> runs, String nextPageToken) {}
