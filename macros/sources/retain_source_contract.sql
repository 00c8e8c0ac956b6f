{#-
  The input contract (ARCHITECTURE.md, "Sources"): for every source, its required and optional
  columns, the columns of which at least one must exist (`one_of`), its natural key, and the
  values a code column may take (`accepted_values`, compared after trimming and lowercasing).
  This is the one place the column lists live; retain_source(), the staging models and the
  row-accounting test all read it.
-#}
{% macro retain_source_contract() %}
    {{ return({
        'orders': {
            'required': ['order_id', 'customer_id', 'ordered_at', 'revenue'],
            'optional': ['currency', 'channel', 'discount_amount', 'status'],
            'one_of': [],
            'key': ['order_id'],
        },
        'order_lines': {
            'required': ['order_id', 'category'],
            'optional': ['product_id', 'quantity', 'line_revenue'],
            'one_of': [],
            'key': ['order_id'],
        },
        'customers': {
            'required': ['customer_id'],
            'optional': [
                'email', 'phone', 'first_seen_at', 'country', 'postal_code', 'home_lat',
                'home_lon', 'acquisition_channel', 'acquisition_creator_id',
            ],
            'one_of': [],
            'key': ['customer_id'],
        },
        'returns': {
            'required': ['order_id', 'returned_at'],
            'optional': ['refund_amount'],
            'one_of': [],
            'key': ['order_id', 'returned_at'],
        },
        'engagement_events': {
            'required': ['event_type', 'occurred_at'],
            'optional': ['customer_id', 'anonymous_id', 'channel'],
            'one_of': [['customer_id', 'anonymous_id']],
            'key': [],
            'accepted_values': {
                'event_type': [
                    'email_delivered', 'email_open', 'email_click', 'site_visit',
                    'app_session', 'push_open', 'sms_click', 'unsubscribe',
                ],
            },
        },
        'creator_touchpoints': {
            'required': ['creator_id', 'platform', 'touchpoint_type', 'occurred_at'],
            'optional': ['customer_id', 'anonymous_id', 'completion_pct'],
            'one_of': [['customer_id', 'anonymous_id']],
            'key': [],
            'accepted_values': {
                'touchpoint_type': [
                    'video_view', 'save', 'share', 'swipe_up', 'affiliate_click', 'comment',
                ],
            },
        },
        'store_visits': {
            'required': ['store_id', 'visited_at'],
            'optional': ['customer_id', 'device_id'],
            'one_of': [['customer_id', 'device_id']],
            'key': [],
        },
        'stores': {
            'required': ['store_id'],
            'optional': ['lat', 'lon'],
            'one_of': [],
            'key': ['store_id'],
        },
        'consents': {
            'required': ['customer_id', 'purpose', 'status', 'recorded_at'],
            'optional': ['source'],
            'one_of': [],
            'key': ['customer_id', 'purpose', 'recorded_at'],
            'accepted_values': {
                'purpose': ['email', 'sms', 'push', 'ads', 'profiling', 'location'],
                'status': ['granted', 'revoked'],
            },
        },
        'identity_links': {
            'required': ['id_type_a', 'id_value_a', 'id_type_b', 'id_value_b'],
            'optional': ['observed_at'],
            'one_of': [],
            'key': [],
        },
        'erasure_requests': {
            'required': ['customer_id', 'requested_at'],
            'optional': [],
            'one_of': [],
            'key': ['customer_id'],
        },
    }) }}
{% endmacro %}
