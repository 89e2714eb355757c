# frozen_string_literal: true

module Sigv4rs
  # Base class of every error the library reports: #code is the
  # sigv4rs_status number, #message its sigv4rs_status_str text.
  class Error < StandardError
    attr_reader :code

    def initialize(code = nil, message = nil)
      @code = code
      super(message || (code ? Sigv4rs.status_message(code) : 'sigv4rs error'))
    end

    def inspect
      "#<#{self.class}: #{message} (status #{code})>"
    end

    # The error for a non-OK status.
    def self.for_status(code)
      (STATUS_CLASSES[code] || Error).new(code)
    end
  end

  STATUS_CLASSES = {}
  # One class per status of the generated table: InvalidHeaderValue ->
  # InvalidHeaderValueError.
  ABI::STATUSES.each do |code, _name, camel, _message|
    next if code.zero?

    klass = Class.new(Error) do
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
