package dev.moa.api;

import dev.moa.model.MoaError;
import dev.moa.store.MixCatalog;
import dev.moa.store.MixListing;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /v1/models}: the mixes, listed as models. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelsResource {

    private static final String OWNER = "moa";

    private final MixCatalog catalog;

    public ModelsResource(MixCatalog catalog) {
        this.catalog = catalog;
    }

    @GET
    @Blocking
    public ModelList list() {
        return new ModelList("list", catalog.list().stream().map(ModelsResource::model).toList());
    }

    /**
     * One mix, with a {@code moa} summary of its layers; a broken mix answers as its requests would (500). An id may
     * hold {@code /} (a direct model's {@code <provider>/<model>}), so an unknown one is {@code model_not_found}.
     */
    @GET
    @Path("/{id: .+}")
    @Blocking
    public MixSummary.Model get(@PathParam("id") String id) {
        MixListing listing = catalog.find(id).orElseThrow(() -> MoaError.unknownModel(id));
        MixSummary summary = catalog.resolve(id).map(r -> MixSummary.of(r.mix()))
                .orElseThrow(() -> MoaError.unknownModel(id));
        return new MixSummary.Model(listing.name(), "model", listing.modified().getEpochSecond(), OWNER, summary);
    }

    private static ModelList.Model model(MixListing mix) {
        return new ModelList.Model(mix.name(), "model", mix.modified().getEpochSecond(), OWNER);
    }
}
