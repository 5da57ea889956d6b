import { ApiProperty } from '@nestjs/swagger';

/** OpenAPI schema of one channel and its counters. */
export class ChannelInfoDto {
  @ApiProperty({ example: 'karma.feedback' })
  name!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Influence results of the karma feedback engine',
  })
  description!: string | null;

  @ApiProperty({ description: 'Messages published by this instance since it started.', example: 1 })
  published!: number;

  @ApiProperty({ description: 'Messages of this channel currently in history.', example: 1 })
  in_history!: number;

  @ApiProperty({
    description: 'Subscriptions on this instance that receive this channel.',
    example: 2,
  })
  subscribers!: number;

  @ApiProperty({ description: 'Listener failures since this instance started.', example: 0 })
  failed!: number;
}

/** OpenAPI schema of `GET /events/channels`. */
export class ChannelListDto {
  @ApiProperty({ type: [ChannelInfoDto] })
  items!: ChannelInfoDto[];
}
