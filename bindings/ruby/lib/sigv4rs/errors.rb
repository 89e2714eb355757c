# frozen_string_literal: true

module Sigv4rs
  # Base class of every error the library reports: #code is the
  # sigv4rs_status number, #message its sigv4rs_status_str text. When a
  # signing call fails because of one input of the request, the error says
  # which (sigv4rs_request_locate): #field (:method, :url, :host, :path,
  # :query, :headers, :header_name, :header_value, :payload_mode,
  # :payload), #index and #header_name for a header (its position among
  # your [name, value] pairs, from 0, and its name as you gave it), #offset
  # (the first bad byte, or nil), and the message starts with it:
  # "header 3 (X-Foo) value: invalid header value at byte 5".
  class Error < StandardError
    attr_reader :code, :field, :index, :offset, :header_name

    # FIELD_* value => Symbol (FIELD_HEADER_VALUE => :header_value), from
    # the generated table; NONE is no field.
    FIELDS = ABI.constants.grep(/\AFIELD_/).filter_map do |c|
      [ABI.const_get(c), c.to_s.delete_prefix('FIELD_').downcase.to_sym] unless c == :FIELD_NONE
    end.to_h.freeze

    def initialize(code = nil, message = nil)
      @code = code
      super(message || (code ? Sigv4rs.status_message(code) : 'sigv4rs error'))
    end

    # The message, led by the input it is about when there is one.
    def to_s
      return super unless @field

      "#{where}: #{super}#{" at byte #{@offset}" if @offset}"
    end

    # The input the error is about, as the message names it: "method",
    # "url", "header 3 (X-Foo) value", "header 0 (\"bad name\") name"...;
    # nil when the error is not about one input.
    def where
      case @field
      when nil then nil
      when :header_name, :header_value
        name = @header_name.b.match?(/\A[\x21-\x7e]+\z/n) ? @header_name : @header_name.inspect
        "header #{@index} (#{name}) #{@field == :header_name ? 'name' : 'value'}"
      else @field.to_s.tr('_', ' ')
      end
    end

    def inspect
      "#<#{self.class}: #{message} (status #{code})>"
    end

    # The error for a non-OK status.
    def self.for_status(code)
      (STATUS_CLASSES[code] || Error).new(code)
    end

    private

    # Sets the location (internal: the signer and Net::HTTP support).
    def locate!(field, index = nil, offset = nil, header_name = nil)
      @field = field
      @index = index
      @offset = offset
      @header_name = header_name
      self
    end
  end

  # A received request that Verifier#verify, #begin or a BodyVerifier
  # refused: #status is why (the sigv4rs_status, also #code), #result what
  # the verification found before it stopped (a Sigv4rs::VerifyResult: the
  # claimed access key id for a log; never the secret). The verifier's own
  # statuses (200-299) have their subclasses (SignatureMismatchError,
  # ClockSkewError...); a request the library cannot even read
  # (InvalidHeaderValue...) raises this class itself.
  class VerificationError < Error
    attr_reader :result

    alias status code

    # The status's name, e.g. :SIGNATURE_MISMATCH.
    def status_name
      FFI::STATUS.key(code)
    end

    private

    def with_result!(result)
      @result = result
      self
    end
  end

  # Statuses a verifier alone returns: their classes are VerificationErrors.
  VERIFIER_STATUSES = (200..299).freeze

  STATUS_CLASSES = {}
  # One class per status of the generated table: InvalidHeaderValue ->
  # InvalidHeaderValueError.
  ABI::STATUSES.each do |code, _name, camel, _message|
    next if code.zero?

    klass = Class.new(VERIFIER_STATUSES.cover?(code) ? VerificationError : Error) do
      define_method(:initialize) { |c = code, m = nil| super(c, m) }
    end
    const_set("#{camel}Error", klass)
    STATUS_CLASSES[code] = klass
  end
  STATUS_CLASSES.freeze

  # Raised by a signer after #close. A closed signer is what C calls "not
  # initialized", so it is one of those (code 4).
  class ClosedError < NotInitializedError
    def initialize(code = Sigv4rs::FFI::STATUS_NOT_INITIALIZED, message = 'signer is closed')
      super
    end
  end
end
