namespace EchoAtTime.Api.Http;

/// <summary>Who this process serves; <see cref="AccessPolicy"/> decides it from the configuration.</summary>
public enum AccessMode
{
    /// <summary>A key is set: every client, writes and listings with the key.</summary>
    ApiKey,

    /// <summary>No key (protected mode): loopback clients only; everyone else gets 403.</summary>
    LoopbackOnly,

    /// <summary>No key and <c>Echo:AllowAnonymous=true</c>: every client, nothing asked.</summary>
    Anonymous,
}
