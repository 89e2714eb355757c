# frozen_string_literal: true

module Sigv4rs
  # One set of credentials, as a provider returns them:
  # `Credentials.new(access_key_id:, secret_access_key:, session_token: nil,
  # expiration: nil)` (or positional, in that order). `expiration` is a
  # Time, Unix seconds, or nil when they do not expire. #inspect, #to_s and
  # pp never show the secret or the token.
  Credentials = Struct.new(:access_key_id, :secret_access_key, :session_token, :expiration) do
    # Positional or keyword arguments (a plain Struct takes keywords only
    # from Ruby 3.2).
    def initialize(*args, **kw)
      unless kw.empty?
        raise ArgumentError, 'give Credentials positional or keyword arguments, not both' unless args.empty?

        unknown = kw.keys - members
        raise ArgumentError, "unknown keyword#{'s' if unknown.size > 1}: #{unknown.map(&:inspect).join(', ')}" \
          unless unknown.empty?

        args = members.map { |m| kw[m] }
      end
      super(*args)
    end

    def inspect
      "#<struct #{self.class} access_key_id=#{access_key_id.inspect}, secret_access_key=[FILTERED], " \
        "session_token=#{session_token.nil? ? 'nil' : '[FILTERED]'}, expiration=#{expiration.inspect}>"
    end
    alias_method :to_s, :inspect

    # pp: Struct's own would print every member.
    def pretty_print(q)
      q.text(inspect)
    end
  end

  # A signer's credentials provider (internal): fetches from the object given
  # as `credentials:` and keeps what the signer needs between calls. Only a
  # provider call (one at a time per signer: the library's rule) or a
  # rotation (under the signer's lock, never during a provider call) writes
  # it.
  class ProviderAdapter
    # A signing thread waiting for a provider call: Thread#raise (and so
    # Timeout) at once, ending the wait (and this thread's provider);
    # Thread#kill stays deferred by the signing call's mask (a kill is not
    # an Exception).
    USER_CODE = { Exception => :immediate }.freeze

    # The provider's last failure (nil after a success or a rotation): the
    # cause of the next MissingCredentialsError / CredentialsExpiredError.
    attr_reader :error
    # Seconds before expiry at which the signer asks.
    attr_reader :margin
    # The DefaultChain when the source is one (resolved into the sink by
    # the library: the credentials never reach Ruby), else nil.
    attr_reader :chain

    def initialize(source, margin)
      @chain = source.is_a?(DefaultChain) ? source : nil
      @aws = !@chain && source.respond_to?(:credentials)
      unless @chain || @aws || source.respond_to?(:call)
        raise TypeError, 'credentials: must be Sigv4rs::Credentials, a provider responding to #call (returning ' \
                         'Sigv4rs::Credentials), an aws-sdk style provider (#credentials) or a ' \
                         "Sigv4rs::DefaultChain, got #{source.class}"
      end

      @source = source
      @name = source.class.name || 'provider'
      @margin = margin
      @error = nil
      reset
    end

    # After a rotation: what the provider put is no longer current.
    def reset
      @error = nil
      @last = nil
      @fresh_until = nil
    end

    # True when the set this provider put last is still fresh at `t`: the
    # library asked because another thread read the older set as due (only
    # possible when signing calls run in parallel).
    def fresh_at?(t)
      !@fresh_until.nil? && t < @fresh_until
    end

    # [access key id, secret, token, expiration (Unix seconds, 0: none)]
    # from the source, checked and converted; raises what the provider
    # raises or why its answer is unusable (the type only, never a value).
    def fetch(t)
      akid, secret, token, exp = @aws ? fetch_aws : fetch_callable
      if exp != 0 && exp <= t
        raise CredentialsExpiredError.new(FFI::STATUS_CREDENTIALS_EXPIRED,
                                          "the credentials provider (#{@name}) returned credentials " \
                                          "(#{Signer.show_akid(akid)}) that expired at #{Signer.iso(exp)}, " \
                                          "not after the signing time #{Signer.iso(t)}")
      end
      if exp != 0 && @last == [akid, exp] && t >= exp - @margin
        # The same set again, inside the margin: a failure, so the library
        # keeps it and asks again PROVIDER_RETRY_SECS later, not on every call.
        raise CredentialsExpiredError.new(FFI::STATUS_CREDENTIALS_EXPIRED,
                                          "the credentials provider (#{@name}) returned the same credentials " \
                                          "(#{Signer.show_akid(akid)}) again, expiring at #{Signer.iso(exp)}, " \
                                          "within the #{@margin}-second margin")
      end
      [akid, secret, token, exp]
    end

    # The library took [akid, exp].
    def put(akid, exp)
      @last = [akid, exp]
      @fresh_until = exp.zero? ? Float::INFINITY : exp - @margin
      @error = nil
    end

    # The chain put a set (whose expiry Ruby does not see: the library
    # checks again under its own lock whether one is due).
    def resolved
      @error = nil
    end

    def failed(err)
      @error = err
    end

    private

    def fetch_callable
      parts(@source.call, nil)
    end

    # aws-sdk's providers (Aws::AssumeRoleCredentials, InstanceProfileCredentials,
    # ...): #credentials (refreshed by the SDK when near expiry) and
    # #expiration. The SDK publishes a refresh as the credentials, then the
    # expiration: an expiration read between two reads of the same
    # credentials object is theirs (or the next set's, which is earlier:
    # harmless).
    def fetch_aws
      c = @source.credentials
      return parts(c, nil) unless @source.respond_to?(:expiration)

      e = nil
      3.times do
        e = @source.expiration
        c2 = @source.credentials
        break if c2.equal?(c)

        c = c2
      end
      parts(c, e.nil? ? :none : e)
    end

    # `exp`: nil to read it from the credentials object (when it has one),
    # :none for none.
    def parts(c, exp)
      if c.nil?
        raise MissingCredentialsError.new(FFI::STATUS_MISSING_CREDENTIALS,
                                          "the credentials provider (#{@name}) returned no credentials")
      end
      unless c.respond_to?(:access_key_id) && c.respond_to?(:secret_access_key)
        raise TypeError, "the credentials provider (#{@name}) must return Sigv4rs::Credentials (or an object with " \
                         "access_key_id and secret_access_key), got #{c.class}"
      end

      exp = c.respond_to?(:expiration) ? c.expiration : nil if exp.nil?
      exp = nil if exp == :none
      [Input.str(c.access_key_id, 'access_key_id'), Input.str(c.secret_access_key, 'secret_access_key'),
       Input.opt_str(c.respond_to?(:session_token) ? c.session_token : nil, 'session_token'),
       Input.expiration(exp, "expiration from the credentials provider (#{@name})")]
    end
  end
end
