# frozen_string_literal: true

require_relative 'test_helper'
require_relative 'suite_runner'

class SuiteTest < Minitest::Test
  def test_official_v4_suite
    header_ok, query_ok, partial_ok, complete, failures = SuiteRunner.run
    Summary << "ruby suite v4: header #{header_ok}/#{complete}, query #{query_ok}/#{complete}, partial #{partial_ok}/2"
    assert_equal 38, complete, 'expected 38 complete cases'
    assert_empty failures, "#{failures.size} failures:\n#{failures.join("\n\n")}"
    assert_equal [38, 38, 2], [header_ok, query_ok, partial_ok]
  end
end
