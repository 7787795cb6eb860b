package dev.plumbline.server.leaderboard;

import dev.plumbline.engine.eval.SuiteLoader;
import dev.plumbline.spi.InvalidInputException;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The leaderboard as an HTML page: {@code /leaderboard} (overall) and {@code /leaderboard/{suite}},
 * optionally {@code ?metric=} to rank a suite by another metric. Protected by API keys like every
 * HTTP route ({@code HttpApiKeyFilter}).
 */
@Path("/leaderboard")
@Produces(MediaType.TEXT_HTML)
public class LeaderboardResource {

    private final LeaderboardBuilder leaderboards;

    public LeaderboardResource(LeaderboardBuilder leaderboards) {
        this.leaderboards = leaderboards;
    }

    @GET
    @Blocking // reads run summaries from the database
    public Response overall() {
        return page("", "");
    }

    @GET
    @Path("/{suite}")
    @Blocking
    public Response suite(@PathParam("suite") String suite, @QueryParam("metric") String metric) {
        if (!SuiteLoader.BUILTIN.contains(suite) && !leaderboards.suites().contains(suite)) {
            return problem(Response.Status.NOT_FOUND, "Unknown suite",
                    "There is no built-in suite and no succeeded evaluation run of suite '" + suite + "'. Built-in suites: "
                            + String.join(", ", SuiteLoader.BUILTIN) + ".");
        }
        return page(suite, metric == null ? "" : metric);
    }

    private Response page(String suite, String metric) {
        Leaderboard board;
        try {
            board = leaderboards.build(suite, metric);
        } catch (InvalidInputException e) {
            return problem(Response.Status.BAD_REQUEST, "Cannot build this leaderboard", e.getMessage());
        }
        TemplateInstance page = LeaderboardTemplates.page(LeaderboardView.of(board, leaderboards.suites()));
        return Response.ok(page, MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).build();
    }

    private static Response problem(Response.Status status, String title, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(LeaderboardTemplates.problem(status.getStatusCode(), title, message).render()).build();
    }
}
