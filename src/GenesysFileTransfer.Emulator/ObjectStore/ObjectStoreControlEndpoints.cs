using GenesysFileTransfer.Emulator.Http;

namespace GenesysFileTransfer.Emulator.ObjectStore;

/// <summary>
/// The object store's part of the control surface (<c>/emulator/objectstore</c>, no auth, never faulted or logged):
/// make buckets without an S3 client, see every object with its metadata and SHA-256, and empty the store.
/// </summary>
internal static class ObjectStoreControlEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var control = app.MapGroup("/emulator/objectstore").WithEmulatorRoute(EmulatorRoute.Control, BearerMode.None);

        control.MapGet("", (ObjectStoreState store) => EmulatorJson.Ok(View(store)));

        // PUT like S3 itself; POST too, for clients that only speak the other control verbs.
        control.MapMethods("/buckets/{bucket}", [HttpMethods.Put, HttpMethods.Post], (string bucket, ObjectStoreState store, EmulatorOptions options) =>
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(bucket, "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))
                return EmulatorJson.Json(new { message = $"'{bucket}' is not a valid bucket name (3-63 lower-case letters, digits, dots, hyphens)." }, 400);
            var created = store.CreateBucket(bucket, options.UtcNow);
            return EmulatorJson.Json(new { name = bucket, created }, created ? 201 : 200);
        });

        control.MapDelete("", (ObjectStoreState store) =>
        {
            store.Reset();
            return Results.NoContent();
        });
    }

    private static object View(ObjectStoreState store) => new
    {
        buckets = store.BucketNames().Select(bucket => new
        {
            name = bucket,
            objects = (store.List(bucket) ?? []).Select(o => new
            {
                key = o.Key,
                size = o.Size,
                etag = o.ETag,
                sha256 = o.Sha256Hex,
                contentType = o.ContentType,
                lastModified = o.LastModified,
                metadata = o.Metadata,
                checksums = o.Checksums,
            }).ToArray(),
        }).ToArray(),
    };
}
